-- Country groups built from their member countries' rows, with membership as of the month (the
-- UK in the EU through 2020-01, Croatia from 2013-07) and, for comparison, today's members applied
-- to every month (EU-27 all along). Beside each, the API's own grouping row where it has one.
with

balances as (

    select * from {{ ref('fct_bilateral_balance_monthly') }}

),

groups as (

    select * from {{ ref('country_groups') }}

),

membership as (

    select * from {{ ref('country_group_membership') }}

),

census_groupings as (

    -- the API's grouping rows per flow: NULL for a flow loaded from the bulk files, which have none
    select
        period,
        partner_code,
        cast(sum(value_usd) filter (where flow = 'exports') as bigint) as exports_usd,
        cast(sum(value_usd) filter (where flow = 'imports') as bigint) as imports_usd

    from {{ ref('int_census__partner_totals') }}
    where is_aggregate
    group by period, partner_code

),

months as (

    select distinct period from balances

),

members as (

    -- a member on any day of the month counts for the month
    select
        months.period,
        membership.group_code,
        'as_of_month' as membership_basis,
        membership.cty_code

    from months
    inner join membership
        on membership.valid_from <= last_day(months.period)
        and coalesce(membership.valid_to, date '9999-12-31') >= months.period

    union all

    select
        months.period,
        membership.group_code,
        'current_members' as membership_basis,
        membership.cty_code

    from months
    cross join membership
    where membership.valid_to is null
        -- today's members, not those who will join (Bulgaria in the euro area from 2026)
        and membership.valid_from <= current_date

),

summed as (

    select
        members.period,
        members.group_code,
        members.membership_basis,
        count(*) as members,
        count(balances.partner_code) as members_with_data,
        sum(balances.exports_usd) as exports_usd,
        sum(balances.imports_usd) as imports_usd,
        sum(balances.balance_usd) as balance_usd

    from members
    left join balances
        on balances.period = members.period
        and balances.partner_code = members.cty_code
    group by members.period, members.group_code, members.membership_basis

),

final as (

    select
        summed.period,
        summed.group_code,
        groups.group_name,
        summed.membership_basis,
        summed.members,
        summed.members_with_data,
        cast(summed.exports_usd as bigint) as exports_usd,
        cast(summed.imports_usd as bigint) as imports_usd,
        cast(summed.balance_usd as bigint) as balance_usd,
        groups.census_grouping_code,
        census.exports_usd as census_exports_usd,
        census.imports_usd as census_imports_usd

    from summed
    inner join groups
        on groups.group_code = summed.group_code
    left join census_groupings as census
        on census.period = summed.period
        and census.partner_code = groups.census_grouping_code

)

select * from final
