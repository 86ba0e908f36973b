"""What the browser tests share: signing in through the page, and proving a page never
reloaded while the user worked in it (a marker set on `window` survives only in-place
updates)."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def sign_in(page: Page, base_url: str, username: str, landing_heading: str) -> None:
    """Sign in as `username` (password "demo") and wait for their landing page."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=landing_heading)).to_be_visible()


def mark(page: Page) -> None:
    """Set the marker once htmx is ready (acting before it binds its triggers sends nothing)."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("window.__marker = 1")


def still_marked(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
