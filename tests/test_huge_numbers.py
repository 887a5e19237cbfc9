"""A number beyond what the database stores (a huge id or offset) is bad input: a 400 naming
the field, or an empty page, never a 500."""

import pytest

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/reviews?cycle={HUGE}", "cycle"),
        (f"/reviews?objective={HUGE}", "objective"),
        (f"/reviews?team={HUGE}", "team"),
        (f"/objectives?cycle={HUGE}", "cycle"),
        (f"/objectives?owner={HUGE}", "owner"),
        (f"/objectives/{HUGE}", "objective_id"),
        (f"/key-results/{HUGE}", "key_result_id"),
        (f"/cycles/{HUGE}", "cycle_id"),
    ],
)
def test_a_huge_id_is_a_400_naming_the_field(company, api_as, path, field):
    response = api_as(company.alice).get(path)
    # PostgreSQL compares a huge number and finds nothing (an empty list, a 404); SQLite
    # cannot bind it (a 400 naming the field): either way, no 500.
    assert response.status_code in (200, 400, 404, 422), response.content
    if response.status_code == 400:
        assert response.json_body["detail"].startswith(f"{field}:")


@pytest.mark.parametrize(
    "path", ["/reviews", "/notifications", "/objectives", "/cycles", "/people", "/teams"]
)
def test_a_huge_offset_is_an_empty_page(company, api_as, path):
    response = api_as(company.alice).get(f"{path}?offset={HUGE}")
    assert response.status_code == 200, response.content
    assert response.json_body["items"] == []


def test_a_huge_offset_of_the_risk_list_is_not_a_500(company, api_as):
    response = api_as(company.alice).get(
        f"/analytics/risks?cycle={company.quarter.pk}&offset={HUGE}"
    )
    assert response.status_code in (200, 400, 422), response.content
