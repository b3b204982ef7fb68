"""The status page's projection, states, wording and rendering: only public fields reach a visitor."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import timedelta

import pytest

from functions.incident import IncidentStatus
from functions.policy import RUNBOOK, Severity
from functions.services import ServiceConfig
from functions.status_page.page import ServiceState, build_page, service_states
from functions.status_page.public import TEMPLATES, public_by_policy, public_update, public_view
from functions.status_page.render import content_security_policy, render_html, render_json
from tests.status_page_story import (
    CANARY,
    PAYMENTS,
    PRIVATE_SERVICES,
    SERVICES,
    SHOP,
    T0,
    incident,
    internal_strings,
    moved,
)

MIN = timedelta(minutes=1)


def outage():
    return incident(PAYMENTS, "service-down", Severity.P0, T0, "payments-api-no-healthy-targets")


def slow():
    return incident(SHOP, "performance-degradation", Severity.P1, T0, "flask-sre-challenge-latency-p99")


def view(item):
    found = public_view(item, private_services=PRIVATE_SERVICES)
    assert found is not None
    return found


# --- the projection ------------------------------------------------------------------------


def test_the_public_view_has_the_scenarios_public_words_and_no_internal_detail():
    # Given a P0 service-down incident full of alarm text, resource names and diagnostics
    item = outage()

    # When it is projected for the page
    public = view(item)

    # Then it reads as the scenario's public title and impact, and nothing internal is in it
    assert (public.service, public.title, public.impact, public.status) == (
        "payments-api", "Service unavailable", "outage", IncidentStatus.INVESTIGATING,
    )  # fmt: skip
    document = public.model_dump_json()
    assert [text for text in internal_strings(item) if text in document] == []


def test_the_public_key_is_stable_and_is_not_the_internal_id():
    item = outage()
    later = moved(item, IncidentStatus.MONITORING, T0 + 30 * MIN)
    assert view(item).key == view(later).key
    assert view(item).key not in item.id and item.id not in view(item).key


def test_an_incident_not_set_public_has_no_public_view():
    assert public_view(outage().model_copy(update={"public": False})) is None


def test_an_incident_of_the_synthetic_test_has_no_public_view_even_if_set_public():
    item = incident(CANARY, "service-down", Severity.P0, T0, "canary-no-healthy-targets")
    assert public_view(item.model_copy(update={"public": True}), private_services=PRIVATE_SERVICES) is None


@pytest.mark.parametrize(
    ("scenario", "severity", "service", "public"),
    [
        ("service-down", Severity.P0, SHOP, True),
        ("performance-degradation", Severity.P1, SHOP, True),
        ("performance-degradation", Severity.P2, SHOP, False),
        ("security-breach", Severity.P0, SHOP, False),
        ("data-loss", Severity.P0, SHOP, False),
        ("service-down", Severity.P0, CANARY, False),
    ],
)
def test_who_is_public_at_open_follows_the_policy(scenario, severity, service, public):
    # D12: P0/P1 public, P2/P3 not; security breach and data loss stay private until a person says
    assert public_by_policy(scenario, severity, service) is public


def test_the_view_lists_public_updates_oldest_first_and_the_resolve_time_once_resolved():
    item = outage()
    item = moved(item, IncidentStatus.MONITORING, T0 + 30 * MIN)
    item = moved(item, IncidentStatus.RESOLVED, T0 + 50 * MIN)
    public = view(item)
    assert [u.status for u in public.updates] == [
        IncidentStatus.INVESTIGATING, IncidentStatus.MONITORING, IncidentStatus.RESOLVED,
    ]  # fmt: skip
    assert public.resolved_at == T0 + 50 * MIN and not public.is_open


# --- the automatic wording ---------------------------------------------------------------------


def test_automatic_updates_use_the_scenarios_wording_where_it_has_one():
    assert "payments-api is unavailable" in public_update(outage(), IncidentStatus.INVESTIGATING, T0).text
    assert "responding more slowly" in public_update(slow(), IncidentStatus.INVESTIGATING, T0).text
    resolved = public_update(slow(), IncidentStatus.RESOLVED, T0).text
    assert resolved == "This incident is resolved. flask-sre-challenge is operating normally."


def test_a_persons_text_is_used_as_given_and_a_blank_one_falls_back_to_the_wording():
    given = public_update(outage(), IncidentStatus.IDENTIFIED, T0, text="  Card payments fail <b>now</b>. ")
    assert given.text == "Card payments fail <b>now</b>."
    blank = public_update(outage(), IncidentStatus.IDENTIFIED, T0, text="   ")
    assert blank.text == "We have identified the cause and are working on a fix."


def test_every_status_has_wording_and_every_scenario_wording_names_a_real_scenario():
    phrases = json.loads((TEMPLATES / "phrases.json").read_text())["updates"]
    assert {status.value.lower() for status in IncidentStatus} <= set(phrases)
    scenarios = {scenario.name for scenario in RUNBOOK.scenarios}
    statuses = {status.value.lower() for status in IncidentStatus}
    for key in phrases:
        status, _, scenario = key.partition(".")
        assert status in statuses and (not scenario or scenario in scenarios), key


# --- service states ------------------------------------------------------------------------------


def test_each_service_takes_its_worst_open_incident():
    # Given an outage and a slow-responses incident on the same service, and nothing on another
    shop_outage = incident(SHOP, "service-down", Severity.P0, T0, "a")
    states = service_states(SERVICES, [view(slow()), view(shop_outage)])

    # Then that service is in outage, the other operational, and the synthetic test is not listed
    assert {s.name: s.state for s in states} == {
        "flask-sre-challenge": "outage", "payments-api": "operational", "accounts": "operational",
    }  # fmt: skip


def test_monitoring_is_degraded_and_resolved_is_operational():
    monitoring = moved(outage(), IncidentStatus.MONITORING, T0 + 30 * MIN)
    resolved = moved(monitoring, IncidentStatus.RESOLVED, T0 + 50 * MIN)
    assert {s.name: s.state for s in service_states([PAYMENTS], [view(monitoring)])} == {
        "payments-api": ServiceState.DEGRADED
    }
    assert {s.name: s.state for s in service_states([PAYMENTS], [view(resolved)])} == {
        "payments-api": ServiceState.OPERATIONAL
    }


# --- the page's window ---------------------------------------------------------------------------


def test_history_holds_the_last_90_days_and_an_old_incident_still_open_stays_open():
    # Given one incident resolved 91 days ago, one resolved 89 days ago, one opened 100 days ago still open
    now = T0 + timedelta(days=200)
    old = moved(outage(), IncidentStatus.RESOLVED, now - timedelta(days=91))
    recent = moved(slow(), IncidentStatus.RESOLVED, now - timedelta(days=89))
    lingering = incident(SHOP, "service-down", Severity.P0, now - timedelta(days=100), "b")

    # When the page is built
    page = build_page([view(old), view(recent), view(lingering)], SERVICES, now)

    # Then the history has only the recent one, and the lingering incident is open and counts
    assert [i.key for i in page.history] == [view(recent).key]
    assert [i.key for i in page.open] == [view(lingering).key]
    assert page.overall is ServiceState.OUTAGE


def test_incidents_of_services_the_page_does_not_list_are_left_out():
    stranger = incident(ServiceConfig(name="billing-batch"), "service-down", Severity.P0, T0, "c")
    page = build_page([view(stranger)], SERVICES, T0)
    assert page.open == () and page.overall is ServiceState.OPERATIONAL


# --- rendering -----------------------------------------------------------------------------------


def test_a_persons_markup_is_escaped_in_the_html():
    # Given a person's update with markup and a script
    item = moved(outage(), IncidentStatus.IDENTIFIED, T0 + 5 * MIN, text='<script>alert("x")</script> & <b>')
    html = render_html(build_page([view(item)], SERVICES, T0 + 6 * MIN))

    # Then the page shows it as text, never as markup
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in html


def test_the_page_has_every_field_filled_and_the_states_in_words():
    page = build_page([view(outage()), view(slow())], SERVICES, T0 + 6 * MIN)
    html = render_html(page)
    assert "$" not in html
    assert re.search(r"payments-api</span><span class=\"state\">.*Outage</span>", html)
    assert re.search(r"flask-sre-challenge</span><span class=\"state\">.*Degraded</span>", html)
    assert "responder-canary" not in html
    assert 'Last updated <time datetime="2026-11-26T14:06:00Z">2026-11-26 14:06 UTC</time>' in html


def test_status_json_carries_the_states_and_the_incidents_with_their_updates():
    item = moved(outage(), IncidentStatus.MONITORING, T0 + 30 * MIN)
    document = json.loads(render_json(build_page([view(item)], SERVICES, T0 + 31 * MIN)))
    assert document["state"] == "degraded"
    assert document["services"] == [
        {"name": "flask-sre-challenge", "state": "operational"},
        {"name": "payments-api", "state": "degraded"},
        {"name": "accounts", "state": "operational"},
    ]
    (only,) = document["incidents"]
    assert [u["status"] for u in only["updates"]] == ["Investigating", "Monitoring"]
    assert [text for text in internal_strings(item) if text in json.dumps(document)] == []


def test_the_content_security_policy_allows_exactly_the_pages_own_style():
    # Given the rendered page's one <style> element
    html = render_html(build_page([], SERVICES, T0))
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()

    # Then the policy names that hash, and allows no script and no other origin
    policy = content_security_policy()
    assert f"style-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "script-src" not in policy and "unsafe" not in policy
    assert "<script" not in html and " style=" not in html
