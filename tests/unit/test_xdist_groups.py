"""The tests that share a costly module fixture (a webserver, a reference build) say so with
`xdist_group`, and `make test` runs with `--dist loadgroup` to keep each group on one worker. If a
pytest or pytest-xdist upgrade stops honouring the mark, nothing else fails: the fixtures are just
built once per worker. This test notices."""

import pytest


@pytest.mark.xdist_group("self-check")
def test_a_test_marked_with_a_group_is_scheduled_as_that_group(request):
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not a pytest-xdist worker under --dist loadgroup")
    assert request.node.nodeid.endswith("@self-check"), request.node.nodeid
