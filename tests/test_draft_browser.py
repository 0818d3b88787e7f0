"""A draft in the app, in headless Chromium with the network blocked: banner, review page, curated copy.

One map page load (the banner and its link) and the review page, where the
analyst accepts one proposal, edits another's place, drops a third and
saves; the saved file validates and the draft is left as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from browser_helpers import assert_clean_console, non_loopback_resources, settle_first_page, wait_for
from selenium.webdriver.common.by import By

from conflictmap.events import load_events
from conflictmap_cli import main
from dashboard.app import create_app

ARTICLES = Path(__file__).parent / "fixtures" / "articles"


def test_draft_review_accept_edit_drop_and_save(dash_duo, tmp_path, capsys):
    article = tmp_path / "qalaat-al-madiq-2019-05-09.txt"
    shutil.copyfile(ARTICLES / article.name, article)
    draft_path = tmp_path / "draft-qalaat.yaml"
    assert main(["draft", str(article), "-o", str(draft_path)]) == 0
    capsys.readouterr()
    draft_before = draft_path.read_bytes()
    proposals = yaml.safe_load(draft_before)["events"]

    dash_duo.start_server(create_app(draft_path))
    driver = dash_duo.driver
    settle_first_page(driver)
    banner = driver.find_element(By.ID, "draft-banner")
    assert banner.text.startswith("DRAFT") and f"{len(proposals)} events proposed" in banner.text
    titles = [t.text for t in driver.find_elements(By.CSS_SELECTOR, "#event-list [data-event-id]")]
    assert titles and all("(draft, " in t for t in titles)
    assert_clean_console(driver)

    driver.find_element(By.ID, "draft-review-link").click()
    wait_for(lambda: driver.find_elements(By.ID, "review-form"), message="review page")
    cards = driver.find_elements(By.CSS_SELECTOR, "section.proposal")
    assert [c.get_attribute("data-event-id") for c in cards] == [e["id"] for e in proposals]
    first = proposals[0]
    mark = cards[0].find_element(By.TAG_NAME, "mark")
    assert " ".join(mark.text.split()) == " ".join(first["sources"][0]["quote"].split())
    assert driver.find_element(By.ID, f"para-{first['sources'][0]['paragraph']}").is_displayed()

    accept, edit, drop = proposals[1]["id"], proposals[2]["id"], proposals[3]["id"]
    driver.find_element(By.CSS_SELECTOR, f'input[name="{accept}.status"][value="accept"]').click()
    driver.find_element(By.CSS_SELECTOR, f'input[name="{edit}.status"][value="accept"]').click()
    place = driver.find_element(By.CSS_SELECTOR, f'input[name="{edit}.place"]')
    place.clear()
    place.send_keys("Kafr Nabudah")
    driver.find_element(By.CSS_SELECTOR, f'input[name="{drop}.status"][value="drop"]').click()
    save_as = driver.find_element(By.ID, "save-as")
    save_as.clear()
    save_as.send_keys(draft_path.name)  # the draft's own name: refused, nothing overwritten
    driver.find_element(By.ID, "save-curated").click()
    message = wait_for(lambda: driver.find_elements(By.ID, "draft-message"), message="save answer")[0]
    assert "exists already" in message.text
    assert draft_path.read_bytes() == draft_before

    driver.find_element(By.ID, "save-as").clear()
    driver.find_element(By.ID, "save-as").send_keys("curated.yaml")
    driver.find_element(By.ID, "save-curated").click()
    wait_for(lambda: "Saved curated.yaml" in driver.find_element(By.ID, "draft-message").text, message="saved")
    curated = load_events(tmp_path / "curated.yaml")
    assert [e["id"] for e in curated.events] == [accept, edit]
    assert curated.events[1]["place"]["name"] == "Kafr Nabudah"
    assert "draft" not in yaml.safe_load((tmp_path / "curated.yaml").read_text(encoding="utf-8"))
    assert draft_path.read_bytes() == draft_before
    assert non_loopback_resources(driver) == []
