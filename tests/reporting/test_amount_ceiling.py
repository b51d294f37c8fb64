"""Monthly report figures have the ledger's ceiling: the report form and the report actions
refuse a figure beyond it, naming the category and figure, and nothing changes."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError

from pts.reporting import actions
from tests.reporting.factories import at, counts, report_state
from tests.reporting.test_views import client_for, edit_url, form_data, setup  # noqa: F401 - the fixture

MAXIMUM = "40,000,000,000.00"


@pytest.mark.parametrize("typed", ["1,000,000,000,000,000", "1234567890123456789012345678", "40,000,000,000.01"])
@pytest.mark.parametrize("field", ["operating_committed", "operating_disbursed"])
def test_the_report_form_refuses_a_figure_beyond_the_ceiling(setup, field, typed):  # noqa: F811
    world, scheme, period = setup
    before, rows = counts(), report_state()
    response = client_for(world.alice).post(edit_url(period, world.unit_a),
                                            form_data(action="submit", **{field: typed}))
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors[field])
    assert f"'{typed}' เกินจำนวนเงินสูงสุดที่รับได้ {MAXIMUM} บาท" in message
    assert "งบดำเนินงาน" in message  # the category, in the users' words
    assert message in html.unescape(response.content.decode())
    assert counts() == before and report_state() == rows


@pytest.mark.parametrize("figure", [1_000_000_000_000_000_00, 1234567890123456789012345678_00, "1,000,000,000,000,000"])
def test_the_report_actions_refuse_a_figure_beyond_the_ceiling(setup, figure):  # noqa: F811
    world, scheme, period = setup
    before, rows = counts(), report_state()
    with pytest.raises(ValidationError) as caught:
        actions.report_save_draft(actor=world.alice, period=period, unit=world.unit_a,
                                  lines={"operating": (figure, 0)}, obstacles="", version=0, now=at(2022, 11, 18))
    assert f"เกินจำนวนเงินสูงสุดที่รับได้ {MAXIMUM} บาท" in " ".join(caught.value.messages)
    assert counts() == before and report_state() == rows
