"""The public status page in a real browser: what a visitor sees in each state of one incident story.

The story runs through the real store (moto) and publisher; each state's files are published to a
bucket of their own and served over loopback with the CloudFront headers (CSP included), then
opened in headless Chromium. One screenshot per state; `make screenshots` refreshes docs/status-page/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from functions import container
from functions.incident import Incident, IncidentStatus
from functions.lifecycle import Decision
from functions.policy import Severity
from functions.status_page.public import public_update
from functions.status_page.publisher import StatusPagePublisher
from local.status_site import serve_bucket
from local.world import local_world
from tests.status_page_story import ACCOUNTS, CANARY, PAYMENTS, SERVICES, SHOP, T0, incident, internal_strings, moved

pytestmark = pytest.mark.ui

MIN = timedelta(minutes=1)
STATES = ("operational", "degraded", "outage", "monitoring", "resolved", "security-public")
PAYMENTS_IDENTIFIED = "Card payments fail at checkout. We found the faulty component and are replacing it."
SECURITY_TEXT = "We are investigating a report of unauthorised access. No action is needed from you at this time."


@dataclass
class Story:
    world: Any
    incidents: list[Incident]

    def bucket(self, state: str) -> str:
        return f"status-page-{state}"


@pytest.fixture(scope="module")
def story() -> Iterator[Story]:
    """One afternoon: private noise, a slow shop, a payments outage, recovery, then a security incident."""
    with local_world(services=SERVICES) as world:
        store = container.store()  # the synthetic service is private to it (from SERVICES)
        seen: list[Incident] = []

        def commit(item: Incident, created: bool = False) -> Incident:
            decision = Decision(incident=item, created=created, release_open_pointer=not item.is_open)
            stored = store.commit(decision, now=item.updated_at)
            assert stored is not None
            seen.append(stored)
            return stored

        def publish(state: str, at: Any) -> None:
            world.clients.s3.create_bucket(Bucket=f"status-page-{state}")
            publisher = StatusPagePublisher(
                world.clients.s3, f"status-page-{state}", store.status_page_history, SERVICES
            )
            publisher.publish(at)

        minor = incident(SHOP, "performance-degradation", Severity.P2, T0 - 40 * MIN, "shop-latency-rise")
        commit(moved(commit(minor, True), IncidentStatus.RESOLVED, T0 - 20 * MIN))  # private, even once resolved
        security = commit(
            incident(ACCOUNTS, "security-breach", Severity.P0, T0, "security-report-7731", declared_by="carol"), True
        )
        canary = incident(CANARY, "service-down", Severity.P0, T0, "responder-canary-no-healthy-targets")
        commit(canary.model_copy(update={"public": True}), True)  # even set public, the synthetic test stays off
        publish("operational", T0 + 1 * MIN)

        slow = commit(incident(SHOP, "performance-degradation", Severity.P1, T0 + 5 * MIN, "shop-latency-p99"), True)
        publish("degraded", T0 + 6 * MIN)

        down = commit(incident(PAYMENTS, "service-down", Severity.P0, T0 + 12 * MIN, "payments-no-targets"), True)
        down = commit(moved(down, IncidentStatus.IDENTIFIED, T0 + 20 * MIN, PAYMENTS_IDENTIFIED))
        publish("outage", T0 + 21 * MIN)

        commit(moved(slow, IncidentStatus.RESOLVED, T0 + 30 * MIN))
        down = commit(moved(down, IncidentStatus.MONITORING, T0 + 40 * MIN))
        publish("monitoring", T0 + 41 * MIN)

        commit(moved(down, IncidentStatus.RESOLVED, T0 + 65 * MIN))
        publish("resolved", T0 + 66 * MIN)

        # A person sets it public with their own words: only those are on the page
        said = public_update(security, IncidentStatus.INVESTIGATING, T0 + 70 * MIN, SECURITY_TEXT)
        commit(security.model_copy(update={"public": True, "updated_at": T0 + 70 * MIN, "public_updates": [said]}))
        publish("security-public", T0 + 71 * MIN)
        yield Story(world, seen)


@dataclass
class Visit:
    page: Any
    source: str  # the HTML as served
    text: str  # what a visitor reads
    status: dict[str, Any]  # status.json as served
    console_errors: list[str]

    def services(self) -> dict[str, str]:
        """Service → its state word as the accessibility tree has it (the icon is decorative), checked
        against what is on screen."""
        tree = self.page.get_by_role("region", name="Services").get_by_role("list").aria_snapshot()
        rows = dict(line.split(": ", 1)[1].rsplit(" ", 1) for line in tree.splitlines() if "- listitem: " in line)
        on_screen = self.page.locator("ul.services > li").all_inner_texts()
        assert [text.splitlines()[-1].endswith(rows[text.splitlines()[0]]) for text in on_screen] == [True] * len(rows)
        return rows

    def incidents(self, region: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """(title, meta line, [(update head, update text)] newest first) of each incident in a region."""
        articles = self.page.get_by_role("region", name=region).get_by_role("article")
        found = []
        for i in range(articles.count()):
            article = articles.nth(i)
            heads = article.locator(".update-head").all_inner_texts()
            texts = article.locator(".update-text").all_inner_texts()
            found.append(
                (
                    article.get_by_role("heading", level=3).inner_text(),
                    article.locator(".meta").inner_text(),
                    list(zip(heads, texts, strict=True)),
                )
            )
        return found


@pytest.fixture
def visit(story: Story, chromium: Any, screenshot_dirs: list[Path]) -> Iterator[Any]:
    pages: list[Any] = []

    def open_state(state: str, viewport: dict[str, int] | None = None, keep_as: str | None = "") -> Visit:
        """Opens the state's page; its screenshot is kept as `<keep_as or state>.png` (None: test dir only)."""
        with serve_bucket(story.world.clients.s3, story.bucket(state)) as base:
            page = chromium.new_page()
            pages.append(page)
            errors: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            if viewport:
                page.set_viewport_size(viewport)
            response = page.goto(base)
            assert response is not None and response.status == 200
            assert response.headers["content-type"] == "text/html; charset=utf-8"
            name = keep_as if keep_as is not None else f"check-{state}"
            for directory in screenshot_dirs if keep_as is not None else screenshot_dirs[:1]:
                directory.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(directory / f"{name or state}.png"), full_page=True)
            status = json.loads(chromium.request.get(base + "status.json").text())
            return Visit(page, response.text(), page.inner_text("body"), status, errors)

    yield open_state
    for page in pages:
        page.close()


def states(shop: str, payments: str, accounts: str) -> dict[str, str]:
    return {"flask-sre-challenge": shop, "payments-api": payments, "accounts": accounts}


def assert_nothing_internal(visit: Visit, story: Story) -> None:
    leaked = [s for s in internal_strings(*story.incidents) if s in visit.source or s in json.dumps(visit.status)]
    assert leaked == []


def test_all_operational(visit, story):
    # Given only private incidents: a P2, an undisclosed security breach, the synthetic test's P0
    seen = visit("operational")

    # Then every service reads Operational and nothing is listed
    assert seen.page.get_by_role("status").inner_text().endswith("All systems operational")
    assert seen.services() == states("Operational", "Operational", "Operational")
    assert seen.incidents("Open incidents") == [] and "No open incidents." in seen.text
    assert "No incidents in the last 90 days." in seen.text
    assert "responder-canary" not in seen.source and "Security investigation" not in seen.source
    assert seen.status["state"] == "operational" and seen.status["incidents"] == []
    assert_nothing_internal(seen, story)


def test_degraded_while_a_p1_is_investigated(visit, story):
    seen = visit("degraded")
    assert seen.page.get_by_role("status").inner_text().endswith("Some services are degraded")
    assert seen.services() == states("Degraded", "Operational", "Operational")
    ((title, meta, updates),) = seen.incidents("Open incidents")
    assert title == "Slow responses"
    assert meta.startswith("Investigating · flask-sre-challenge · Degraded service · Started 2026-11-26 14:05 UTC")
    assert updates == [
        ("Investigating · 2026-11-26 14:05 UTC",
         "flask-sre-challenge is responding more slowly than usual. We are investigating."),
    ]  # fmt: skip
    assert_nothing_internal(seen, story)


def test_outage_while_a_p0_service_down_is_open(visit, story):
    seen = visit("outage")
    assert seen.page.get_by_role("status").inner_text().endswith("Service outage")
    assert seen.services() == states("Degraded", "Outage", "Operational")
    open_incidents = seen.incidents("Open incidents")
    assert [title for title, _, _ in open_incidents] == ["Service unavailable", "Slow responses"]  # newest first
    _, meta, updates = open_incidents[0]
    assert meta.startswith("Identified · payments-api · Outage · Started 2026-11-26 14:12 UTC")
    # the person's words as given, above the automatic first update
    assert updates == [
        ("Identified · 2026-11-26 14:20 UTC", PAYMENTS_IDENTIFIED),
        ("Investigating · 2026-11-26 14:12 UTC",
         "payments-api is unavailable. We are aware of it and investigating; updates will follow here."),
    ]  # fmt: skip
    # the incidents hold alarm names, reasons, hostnames, commands, resource names: none reaches the visitor
    assert_nothing_internal(seen, story)


def test_monitoring_degrades_and_the_resolved_p1_moves_to_history(visit, story):
    seen = visit("monitoring")
    assert seen.services() == states("Operational", "Degraded", "Operational")
    ((title, meta, updates),) = seen.incidents("Open incidents")
    assert (title, meta.split(" · ")[0]) == ("Service unavailable", "Monitoring")
    assert [head.split(" · ")[0] for head, _ in updates] == ["Monitoring", "Identified", "Investigating"]
    ((history_title, history_meta, _),) = seen.incidents("History (last 90 days)")
    assert history_title == "Slow responses" and "Resolved 2026-11-26 14:30 UTC" in history_meta
    assert_nothing_internal(seen, story)


def test_resolved_with_history(visit, story):
    seen = visit("resolved")
    assert seen.page.get_by_role("status").inner_text().endswith("All systems operational")
    assert seen.services() == states("Operational", "Operational", "Operational")
    assert seen.incidents("Open incidents") == []
    history = seen.incidents("History (last 90 days)")
    assert [title for title, _, _ in history] == ["Service unavailable", "Slow responses"]  # most recently resolved
    _, meta, updates = history[0]
    assert meta.startswith("Resolved · payments-api") and meta.endswith("Resolved 2026-11-26 15:05 UTC")
    assert [head.split(" · ")[0] for head, _ in updates] == ["Resolved", "Monitoring", "Identified", "Investigating"]
    assert updates[0][1] == "This incident is resolved. payments-api is operating normally."
    assert [i["status"] for i in seen.status["incidents"]] == ["Resolved", "Resolved"]
    assert "Security investigation" not in seen.source
    assert_nothing_internal(seen, story)


def test_a_security_incident_appears_only_once_a_person_sets_it_public(visit, story):
    # Given every earlier state never showed it
    for state in STATES[:-1]:
        assert "Security investigation" not in visit(state, keep_as=None).source

    # When a person set it public with their own words, Then it is an open incident with those words only
    seen = visit("security-public")
    ((title, meta, updates),) = seen.incidents("Open incidents")
    assert title == "Security investigation" and meta.startswith("Investigating · accounts · Degraded service")
    assert updates == [("Investigating · 2026-11-26 15:10 UTC", SECURITY_TEXT)]
    assert "carol" not in seen.source
    assert_nothing_internal(seen, story)


@pytest.mark.parametrize("state", STATES)
def test_the_page_is_styled_under_its_own_csp_and_accessible(visit, state):
    # Given the page served with the distribution's Content-Security-Policy
    seen = visit(state, keep_as=None)
    page = seen.page

    # Then the browser applied the inline style (the CSP hash matches) and refused nothing
    assert seen.console_errors == []
    banner = page.get_by_role("status")
    assert banner.evaluate("e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    # And it has one h1, the landmarks, a language, and a state in words beside every colour
    assert page.get_by_role("heading", level=1).all_inner_texts() == ["Service status"]
    for role in ("banner", "main", "contentinfo"):
        assert page.get_by_role(role).count() == 1, role
    assert page.locator("html").get_attribute("lang") == "en"
    assert set(seen.services().values()) <= {"Operational", "Degraded", "Outage"}


def test_readable_on_a_phone(visit):
    # Given a phone-sized window on the outage
    seen = visit("outage", viewport={"width": 390, "height": 844}, keep_as="outage-phone")
    page = seen.page

    # Then nothing scrolls sideways and the text is at least 16 px
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
    assert page.get_by_role("heading", name="Service unavailable").is_visible()
