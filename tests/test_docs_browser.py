"""The documentation site as a reader sees it: Chromium loads the home page, follows the sidebar link to a
module's page and finds that module's API there.

Needs Chromium and ChromeDriver (Debian: `apt-get install chromium chromium-driver`; `.ci/run` installs them);
skipped, saying so, where they are missing.
"""
import functools, http.server, shutil, subprocess, sys, threading
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))

CHROMIUM = next(filter(None, map(shutil.which, ('chromium', 'chromium-browser', 'google-chrome'))), None)
CHROMEDRIVER = shutil.which('chromedriver')
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
    reason="Chromium and ChromeDriver are not installed (Debian: apt-get install chromium chromium-driver)")

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "The docs built from this checkout's notebooks into a temporary folder (the checks are CI's separate step)."
    out = tmp_path_factory.mktemp('site')
    res = subprocess.run([sys.executable, str(ROOT/'tools'/'build_docs.py'), '--out', str(out), '--no-check'],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, f"docs build failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    assert (out/'index.html').exists()
    return out

@pytest.fixture(scope='module')
def server(site):
    "The site served over HTTP on 127.0.0.1, as a reader's browser would load it."
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}/'
    httpd.shutdown(); httpd.server_close()

@pytest.fixture(scope='module')
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
              '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
              '--window-size=1280,1000', f'--user-data-dir={tmp_path_factory.mktemp("chromium-profile")}'):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)  # explicit driver: Selenium Manager downloads nothing
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()

def _module_page():
    "(page, title of its notebook, public names documented there) for the first module nbdev indexed."
    from nbdev.config import get_config
    import check_docs
    api = check_docs.public_api(get_config(ROOT))
    if not api: pytest.fail("genderaudio/_modidx.py indexes no public function or class: no module page to visit")
    page = api[0][1]
    return page, [anchor for _, p, anchor in api if p == page]

def test_home_page_sidebar_leads_to_module_page(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    page, anchors = _module_page()
    browser.get(server + 'index.html')
    assert browser.find_element(By.CSS_SELECTOR, 'h1.title').text == 'genderaudio'
    assert 'genderaudio-predict my_wavs' in browser.find_element(By.ID, 'content').text  # the README's commands

    links = browser.find_elements(By.CSS_SELECTOR, 'nav#sidebar a')
    hrefs = [a.get_attribute('href') for a in links]
    assert server + 'index.html' in hrefs and len(links) >= 2, hrefs
    link = next((a for a in links if a.get_attribute('href') == server + page), None)
    assert link is not None, f"no sidebar link to {page} on the home page: {hrefs}"
    title = link.text
    link.click()

    WebDriverWait(browser, 30).until(lambda d: d.current_url == server + page)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script('return document.readyState') == 'complete')
    assert browser.find_element(By.CSS_SELECTOR, 'h1.title').text == title
    active = browser.find_element(By.CSS_SELECTOR, 'nav#sidebar a.active')
    assert active.get_attribute('href') == server + page
    for anchor in anchors:  # each public function/class has its show_doc entry, visible on the page
        entry = browser.find_element(By.ID, anchor)
        assert entry.is_displayed() and entry.text.strip().lower().startswith(anchor), (anchor, entry.text)
    # the stylesheet loaded (the sidebar is laid out beside the content), and every image rendered
    assert browser.execute_script("return getComputedStyle(document.querySelector('.layout')).display") == 'grid'
    broken = browser.execute_script(
        "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")
    assert broken == [], broken

    browser.find_element(By.CSS_SELECTOR, '.topbar a.site-title').click()  # and back home
    WebDriverWait(browser, 30).until(lambda d: d.current_url == server + 'index.html')
