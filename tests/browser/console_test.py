#!/usr/bin/env python3
"""The supporter console (GET /console) in headless Chromium against a running Herald.

Run by scripts/test-browser, which starts fake-graph and `herald run` on a throwaway database and
passes everything in the environment:

  HERALD_URL, HERALD_API_TOKEN, HERALD_ADMIN_TOKEN, HERALD_APP_SECRET, HERALD_DATABASE_URL,
  HERALD_BROWSER_PAGE_ID, HERALD_BROWSER_OUTPUT_DIR (screenshots), HERALD_BROWSER_CHROMIUM,
  HERALD_BROWSER_CHROMEDRIVER, HERALD_BROWSER_PSQL, HERALD_BROWSER_GRAPH_URL (fake-graph, which
  answers every call after 1 s), optionally HERALD_BROWSER_HEADED=1.

The scenario (issue #8):
  1. a customer writes (signed webhook) -> their conversation appears in the open console within
     2 s, without a reload, with "1 unread"; opening it sends mark_seen and the server's unread
     count falls to 0; typing a reply sends typing_on;
  2. a reply from the composer shows Sent; a read webhook turns it into Seen; an image URL from the
     composer shows Sent and the older reply no status any more;
  3. a customer whose last message is 30 h old (inserted with psql) is listed as inactive; a reply
     fails with "outside the 24-hour window" and a disabled Resend that says what it waits for;
     the customer writes again -> Resend becomes enabled; clicking it -> Resend while the new
     attempt is in flight (fake-graph holds it 1 s) -> Sent;
  4. the browser goes offline (DevTools network emulation) while a third customer writes; back
     online, the stream reconnects with Last-Event-ID and the replay shows the new conversation;
  5. a team (issue #19, `team`): two supporters created through the admin API sign in with their
     own tokens (two browsers), their names show in the header and on each other's replies;
     customers show their profile's name and picture (an initial where the picture does not
     load); "nguyen" finds "Nguyễn Văn An"; revoking one supporter signs their console out
     within 5 s with a message.

Waits are explicit (WebDriverWait on what the page shows); nothing sleeps and then asserts. A
screenshot is saved after each step, and on failure one more with the page's HTML and the
browser's console log.
"""

import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ENV = os.environ
BASE = ENV["HERALD_URL"].rstrip("/")
API_TOKEN = ENV["HERALD_API_TOKEN"]
ADMIN_TOKEN = ENV["HERALD_ADMIN_TOKEN"]
APP_SECRET = ENV["HERALD_APP_SECRET"].encode()
DATABASE_URL = ENV["HERALD_DATABASE_URL"]
PAGE = ENV["HERALD_BROWSER_PAGE_ID"]
OUTPUT = ENV["HERALD_BROWSER_OUTPUT_DIR"]
PSQL = ENV.get("HERALD_BROWSER_PSQL", "psql")
GRAPH = ENV["HERALD_BROWSER_GRAPH_URL"].rstrip("/")

# How long the console may take to show something that only needs a webhook to be ingested, or a
# send to go through fake-graph. The "appears within 2 s" rule of step 1 has its own timeout.
SLOW = 15


def log(message):
    print("console_test: " + message, file=sys.stderr, flush=True)


# ---------- HTTP to Herald ----------


def http(method, path, body=None, token=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, text


def now_ms():
    return int(time.time() * 1000)


def post_webhook(entry_messaging):
    """Posts one webhook signed the way Facebook signs: HMAC-SHA256 of the raw body."""
    body = json.dumps(
        {"object": "page", "entry": [{"id": PAGE, "time": now_ms(), "messaging": entry_messaging}]},
        separators=(",", ":"),
    ).encode()
    signature = "sha256=" + hmac.new(APP_SECRET, body, hashlib.sha256).hexdigest()
    status, answer = http("POST", "/webhook", raw=body, headers={"X-Hub-Signature-256": signature})
    assert status == 200, "webhook answered %s %r" % (status, answer)


def customer_writes(psid, text):
    ts = now_ms()
    post_webhook(
        [
            {
                "sender": {"id": psid},
                "recipient": {"id": PAGE},
                "timestamp": ts,
                "message": {"mid": "m_browser_" + secrets.token_hex(8), "text": text},
            }
        ]
    )


def customer_reads(psid):
    ts = now_ms()
    post_webhook([{"sender": {"id": psid}, "recipient": {"id": PAGE}, "timestamp": ts, "read": {"watermark": ts}}])


def sender_actions(psid):
    """The sender actions fake-graph received for psid, oldest first."""
    with urllib.request.urlopen(GRAPH + "/_fake/requests?recipient=" + urllib.parse.quote(psid), timeout=10) as response:
        return [send["sender_action"] for send in json.loads(response.read().decode()) if send.get("sender_action")]


def server_unread(psid):
    status, answer = http("GET", "/v1/pages/%s/customers/%s" % (PAGE, psid), token=API_TOKEN)
    assert status == 200, "GET customer answered %s %r" % (status, answer)
    return answer["unread"]


def create_supporter(name):
    """A supporter account through the admin API: its resource, with the token shown once."""
    status, answer = http("POST", "/admin/supporters", {"name": name}, token=ADMIN_TOKEN)
    assert status == 201 and answer.get("token"), "POST /admin/supporters answered %s %r" % (status, answer)
    return answer


def script_profile(psid, first_name, last_name, picture):
    """What fake-graph's User Profile API answers for psid from now on."""
    body = json.dumps({"psid": psid, "first_name": first_name, "last_name": last_name, "profile_pic": picture}).encode()
    request = urllib.request.Request(GRAPH + "/_fake/profiles", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204, "POST /_fake/profiles answered %s" % response.status


def customer(psid):
    """The customer resource, or None while their first webhook is not ingested yet."""
    status, answer = http("GET", "/v1/pages/%s/customers/%s" % (PAGE, psid), token=API_TOKEN)
    if status == 404:
        return None
    assert status == 200, "GET customer answered %s %r" % (status, answer)
    return answer


def psql(sql):
    subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", DATABASE_URL, "-c", sql], check=True)


# ---------- browser ----------


# A picture the page's CSP lets in without a network (img-src allows data:): a green square with
# a white circle, so the screenshots show a picture where a profile has one.
PICTURE = ("data:image/svg+xml," + urllib.parse.quote(
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#2e7d5b"/>'
    '<circle cx="32" cy="26" r="12" fill="#fff"/><rect x="14" y="42" width="36" height="22" rx="11" fill="#fff"/></svg>'))
# A picture that does not load (nothing listens on port 1): the console falls back to the initial.
BROKEN_PICTURE = "https://127.0.0.1:1/picture.jpg"


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = ENV.get("HERALD_BROWSER_CHROMIUM", "/usr/bin/chromium")
    if ENV.get("HERALD_BROWSER_HEADED") != "1":
        options.add_argument("--headless=new")
    for argument in ("--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,860",
                     "--no-first-run", "--disable-extensions", "--disable-background-networking",
                     # Nothing leaves the machine: fake-graph's default profile pictures name Facebook's
                     # CDN, and the console must show initials when they do not load anyway.
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(argument)
    # performance: the DevTools network log, to see the headers the stream was requested with.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # The driver is given explicitly, so Selenium Manager has nothing to look up or download.
    service = Service(executable_path=ENV.get("HERALD_BROWSER_CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


class Console:
    """The console page, driven through its data-testid attributes."""

    def __init__(self, driver, shots=None):
        self.driver = driver
        # A second browser numbers its screenshots in the same sequence as the first.
        self.counter = shots.counter if shots else [0]

    def testid(self, value):
        return '[data-testid="%s"]' % value.replace("\\", "\\\\").replace('"', '\\"')

    def find(self, testid):
        return self.driver.find_element(By.CSS_SELECTOR, self.testid(testid))

    def find_all(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def wait(self, what, condition, timeout=SLOW):
        """Waits until condition(driver) is truthy; a timeout fails with `what` in the message."""

        def check(driver):
            try:
                return condition(driver)
            except StaleElementReferenceException:
                return False  # the console re-rendered the element: look again

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(check)
        except TimeoutException:
            raise AssertionError("timed out after %s s waiting for %s" % (timeout, what)) from None

    def visible(self, testid, timeout=SLOW):
        def present(driver):
            found = driver.find_elements(By.CSS_SELECTOR, self.testid(testid))
            return found[0] if found and found[0].is_displayed() else False

        return self.wait("%s to be visible" % testid, present, timeout)

    def click(self, testid):
        """Clicks the element, looking it up again if a live update re-rendered it meanwhile."""

        def clicked(driver):
            found = driver.find_elements(By.CSS_SELECTOR, self.testid(testid))
            if not found or not found[0].is_displayed() or not found[0].is_enabled():
                return False
            found[0].click()
            return True

        self.wait("%s to be clickable" % testid, clicked)

    def conversation_order(self):
        """The conversation list's test ids, top to bottom, read in one go (no stale elements)."""
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll('#conversations [data-testid^=\"conversation-\"]'))"
            ".map((e) => e.dataset.testid)")

    def text_of(self, testid):
        found = self.find_all(self.testid(testid))
        return found[0].text if found else None

    def screenshot(self, name):
        self.counter[0] += 1
        path = os.path.join(OUTPUT, "%02d-%s.png" % (self.counter[0], name))
        self.driver.save_screenshot(path)
        log("screenshot " + path)
        return path


def newest_outbound_id(psid, text=None):
    """The id of the newest outbound message to psid (with that text, if given), from the API."""
    status, answer = http("GET", "/v1/pages/%s/customers/%s/messages?limit=200" % (PAGE, psid), token=API_TOKEN)
    assert status == 200, "GET messages answered %s %r" % (status, answer)
    for message in reversed(answer["messages"]):
        if message["direction"] == "outbound" and (text is None or message["content"].get("text") == text):
            return message["id"]
    return None


def run(console):
    driver = console.driver
    # ---- setup: connect the page (fake-graph's GET /me answers PAGE), open the console ----
    status, answer = http("PUT", "/admin/pages/" + PAGE, {"access_token": "browser-page-token", "name": "Browser test"},
                          token=ADMIN_TOKEN)
    assert status == 200, "PUT /admin/pages answered %s %r" % (status, answer)
    # The gateway subscribed the app to the page's webhooks through fake-graph.
    subscribed = answer["page"]["subscribed_fields"]
    assert subscribed and "messages" in subscribed and answer["page"]["subscription_error"] is None, \
        "the connect did not subscribe the page: %r" % (answer["page"],)

    driver.get(BASE + "/console")
    console.visible("login-form")
    console.find("token-input").send_keys(API_TOKEN)
    console.find("page-input").send_keys(PAGE)
    console.click("login-submit")
    console.wait("the live stream to connect",
                 lambda d: console.find("connection").get_attribute("data-state") == "live")
    console.wait("the service token named in the header",
                 lambda d: console.text_of("signed-in-as") == "Signed in as API (service token)")
    stored = driver.execute_script("return [sessionStorage.getItem('herald.console.token'), localStorage.length]")
    assert stored[0] == API_TOKEN and stored[1] == 0, "token must be in sessionStorage only, got %r" % (stored,)
    console.screenshot("connected")

    # ---- 1. a customer writes: the conversation appears within 2 s, without a reload ----
    alice = "browser-alice-" + secrets.token_hex(4)
    driver.execute_script("window.__noReload = true")  # gone if the page reloads
    started = time.monotonic()  # the 2 s include storing and ingesting the webhook
    customer_writes(alice, "Hello, where is my order?")
    console.visible("conversation-" + alice, timeout=max(0.1, 2 - (time.monotonic() - started)))
    log("conversation appeared after %.2f s" % (time.monotonic() - started))
    assert driver.execute_script("return window.__noReload === true"), "the page reloaded"
    console.screenshot("customer-wrote")

    unread = console.visible("unread-" + alice)  # counted by the server until a supporter opens it
    assert unread.text == "1 unread", "unread badge: %r" % unread.text
    assert server_unread(alice) == 1
    console.click("conversation-" + alice)
    console.wait("the unread mark to go", lambda d: not console.find_all(console.testid("unread-" + alice)))
    console.wait("mark_seen to reach Graph", lambda d: "mark_seen" in sender_actions(alice))
    console.wait("the server's unread count to fall to 0", lambda d: server_unread(alice) == 0)
    console.wait("alice's message in the conversation",
                 lambda d: "Hello, where is my order?" in console.find("messages").text)
    console.wait("customer info (1 message)", lambda d: console.text_of("info-total-messages") == "1")

    # ---- 2. reply -> Sent; read webhook -> Seen ----
    reply = "Your order ships today."
    console.find("composer-text").send_keys(reply)
    console.wait("typing_on to reach Graph while typing", lambda d: "typing_on" in sender_actions(alice))
    console.click("composer-send")
    reply_id = console.wait("the reply to be stored", lambda d: newest_outbound_id(alice, reply))
    console.wait("the reply to show Sent",
                 lambda d: console.text_of("status-%s" % reply_id) == "Sent")
    assert console.find("composer-text").get_attribute("value") == "", "the composer was not cleared"
    assert console.text_of("sender-%s" % reply_id) == "Sent by API", \
        "sender of the service token's reply: %r" % console.text_of("sender-%s" % reply_id)
    console.screenshot("reply-sent")

    customer_reads(alice)
    console.wait("the reply to show Seen", lambda d: console.text_of("status-%s" % reply_id) == "Seen")
    console.screenshot("reply-seen")

    # An image from the composer: it becomes the latest sent message, so only it shows a status
    # and the older reply shows none (docs/design.md's display rule, decided by the server).
    image_url = BASE + "/console/console.css"  # any URL that answers HEAD fast; fake-graph accepts it
    console.click("kind-image")
    console.visible("composer-url").send_keys(image_url)
    console.click("composer-send")

    def newest_image(driver):
        found = newest_outbound_id(alice)
        return found if found != reply_id else False

    image_id = console.wait("the image to be stored", newest_image)
    console.wait("the image to show Sent", lambda d: console.text_of("status-%s" % image_id) == "Sent")
    console.wait("the older reply to show no status", lambda d: console.text_of("status-%s" % reply_id) == "")
    assert image_url in console.find("message-%s" % image_id).text, "the image message must show its URL"
    console.click("kind-text")
    console.screenshot("image-sent")

    # ---- 3. outside the window: Failed, disabled Resend; customer writes; Resend; Sent ----
    bob = "browser-bob-" + secrets.token_hex(4)
    psql(
        "INSERT INTO customers (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages) "
        "VALUES ('%s', '%s', now() - interval '40 hours', now() - interval '30 hours', now() - interval '30 hours', 1)"
        % (PAGE, bob)
    )
    # The change log's trigger announces even this row written behind Herald's back, so bob shows
    # up live; Refresh (a full reload of the list) must agree.
    console.visible("conversation-" + bob)
    console.click("refresh")
    console.visible("inactive-" + bob)
    order = console.conversation_order()
    assert order.index("conversation-" + alice) < order.index("conversation-" + bob), \
        "conversations must be ordered by last activity, got %r" % order
    console.click("conversation-" + bob)
    console.wait("bob's customer info", lambda d: console.text_of("info-total-messages") == "1")
    console.screenshot("inactive-customer")

    late = "Sorry for the late answer!"
    console.find("composer-text").send_keys(late)
    console.click("composer-send")
    late_id = console.wait("the late reply to be stored", lambda d: newest_outbound_id(bob, late))
    console.wait("the late reply to show Failed outside the window",
                 lambda d: console.text_of("status-%s" % late_id) == "Failed: outside the 24-hour window")
    resend = console.find("resend-%s" % late_id)
    assert not resend.is_enabled(), "Resend must be disabled while the window is closed"
    why = console.text_of("resend-why-%s" % late_id)
    assert why and "waits for the customer to write again" in why, "resend reason shown: %r" % why
    console.screenshot("failed-outside-window")

    customer_writes(bob, "Still there?")
    console.wait("Resend to become enabled after the customer wrote",
                 lambda d: console.find("resend-%s" % late_id).is_enabled())
    assert not console.find_all(console.testid("resend-why-%s" % late_id)), "the resend reason must go"
    console.screenshot("resend-enabled")

    # Every status text the message shows from here on, in order (a MutationObserver in the page).
    driver.execute_script(
        """
        const id = arguments[0];
        window.__statuses = [];
        const record = () => {
          const node = document.querySelector('[data-testid="status-' + id + '"]');
          const text = node ? node.textContent : null;
          if (text !== null && window.__statuses[window.__statuses.length - 1] !== text) window.__statuses.push(text);
        };
        new MutationObserver(record).observe(document.getElementById("messages"),
                                             { subtree: true, childList: true, characterData: true });
        record();
        """,
        late_id,
    )
    console.click("resend-%s" % late_id)
    console.wait("the resent reply to show Resend while its attempt is in flight",
                 lambda d: console.text_of("status-%s" % late_id) == "Resend")
    console.screenshot("resend-in-flight")
    console.wait("the resent reply to show Sent", lambda d: console.text_of("status-%s" % late_id) == "Sent")
    statuses = driver.execute_script("return window.__statuses")
    assert statuses == ["Failed: outside the 24-hour window", "Resend", "Sent"], \
        "a resend must read Resend until it is sent, got %r" % statuses
    assert console.text_of("sender-%s" % late_id) == "Sent by API · resent by API", \
        "sender of the resent reply: %r" % console.text_of("sender-%s" % late_id)
    console.wait("bob to lose the inactive badge", lambda d: not console.find_all(console.testid("inactive-" + bob)))
    console.wait("bob (who wrote last) to come first",
                 lambda d: console.conversation_order()[:1] == ["conversation-" + bob])
    console.screenshot("resent")

    # ---- 4. the network drops and comes back: the stream resumes from the last event it saw ----
    network = {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    driver.get_log("performance")  # drop what was logged so far
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", dict(network, offline=True))
    console.wait("the console to show it is offline",
                 lambda d: console.find("connection").get_attribute("data-state") == "offline")
    carol = "browser-carol-" + secrets.token_hex(4)
    customer_writes(carol, "Anyone there?")  # from outside the browser: it is offline
    console.screenshot("offline")
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", dict(network, offline=False))
    # The replayed events alone bring carol in: polling only refreshes every 10 s.
    console.visible("conversation-" + carol, timeout=5)
    assert console.visible("unread-" + carol).text == "1 unread"
    console.wait("the stream to be live again",
                 lambda d: console.find("connection").get_attribute("data-state") == "live")
    resumed_with = [
        message["params"]["request"]["headers"].get("Last-Event-ID")
        for message in (json.loads(entry["message"])["message"] for entry in driver.get_log("performance"))
        if message["method"] == "Network.requestWillBeSent" and "/v1/stream" in message["params"]["request"]["url"]
    ]
    assert resumed_with and all(resumed_with), "reconnects must send Last-Event-ID, got %r" % resumed_with
    # Being offline is shown by the connection indicator only; no error notes are left behind.
    assert console.text_of("composer-error") == "", "left-over error: %r" % console.text_of("composer-error")
    assert not console.find("list-note").is_displayed(), "left-over note: %r" % console.text_of("list-note")
    console.screenshot("resumed")

    # ---- 5. a team ----
    team(console)

    # ---- the page ran under its CSP without complaints ----
    problems = [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and ("Content Security Policy" in entry["message"] or "/console/" in entry["message"])
    ]
    assert not problems, "browser console errors: %r" % problems


def sign_in(console, token):
    """Signs in on the login form (the page id is remembered from the first sign-in) and waits for the stream."""
    console.visible("login-form")
    field = console.find("page-input")
    if not field.get_attribute("value"):
        field.send_keys(PAGE)
    console.find("token-input").send_keys(token)
    console.click("login-submit")
    console.wait("the live stream to connect",
                 lambda d: console.find("connection").get_attribute("data-state") == "live")


def team(console):
    """Issue #19: two supporters with their own tokens answer the same customer, each sees who
    sent what; customers have names and pictures and are found without accents; a revoked
    supporter's console signs out with a message."""
    driver = console.driver
    lan = create_supporter("Lan")
    minh = create_supporter("Minh")

    # Two customers with profiles (fake-graph answers them; Herald fetches them on first sight).
    an = "browser-an-" + secrets.token_hex(4)
    binh = "browser-binh-" + secrets.token_hex(4)
    script_profile(an, "Nguyễn Văn", "An", PICTURE)
    script_profile(binh, "Trần Thị", "Bình", BROKEN_PICTURE)
    customer_writes(binh, "Xin chào!")
    customer_writes(an, "Cho tôi hỏi về đơn hàng.")
    for psid in (an, binh):
        console.wait("%s's profile to be fetched" % psid,
                     lambda d, p=psid: (customer(p) or {}).get("profile_status") == "fetched")
    assert customer(an)["name"] == "Nguyễn Văn An", "name: %r" % customer(an)["name"]

    # Lan signs in in this browser (after the service token's session).
    console.click("sign-out")
    sign_in(console, lan["token"])
    console.wait("Lan's name in the header", lambda d: console.text_of("signed-in-as") == "Signed in as Lan")
    console.wait("An's name in the list", lambda d: console.text_of("name-" + an) == "Nguyễn Văn An")
    console.wait("An's picture in the list",
                 lambda d: console.find_all(console.testid("avatar-" + an) + ' img[data-avatar="picture"]'))
    console.wait("Bình's initial in place of a picture that does not load",
                 lambda d: console.text_of("avatar-" + binh) == "T"
                 and console.find_all(console.testid("avatar-" + binh) + ' [data-avatar="initial"]'))
    console.screenshot("team-lan-signed-in")

    # Search by the name without accents: only An is listed; clearing the box lists everyone again.
    console.find("search-input").send_keys("nguyen")
    console.wait("the search to list An only", lambda d: console.conversation_order() == ["conversation-" + an])
    console.screenshot("team-search-unaccented")
    search = console.find("search-input")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACKSPACE)
    console.wait("the whole list again", lambda d: "conversation-" + binh in console.conversation_order())

    # Lan answers An; the customer panel shows An's name and picture above the facts.
    console.click("conversation-" + an)
    console.wait("An's name in the customer panel", lambda d: console.text_of("chat-title") == "Nguyễn Văn An")
    assert console.find_all(console.testid("customer-picture") + ' img[data-avatar="picture"]'), "no picture in the panel"
    console.wait("An's inbound message under An's name",
                 lambda d: "Nguyễn Văn An" in console.find("messages").text)
    from_lan = "Chào anh An, Lan đây."
    console.find("composer-text").send_keys(from_lan)
    console.click("composer-send")
    lan_id = console.wait("Lan's reply to be stored", lambda d: newest_outbound_id(an, from_lan))
    console.wait("Lan's reply to say who sent it", lambda d: console.text_of("sender-%s" % lan_id) == "Sent by Lan")
    console.wait("Lan's reply to show Sent", lambda d: console.text_of("status-%s" % lan_id) == "Sent")
    console.screenshot("team-lan-answered")

    # Herald resends by itself when a blocked URL is released: the message then names both.
    # (fake-graph refuses any send naming blocked.example, so the resend fails again; what
    # matters here is who resent it.)
    blocked = "https://blocked.example/sale"
    console.find("composer-text").send_keys("Our sale: " + blocked)
    console.click("composer-send")
    sale_id = console.wait("the sale message to be stored", lambda d: newest_outbound_id(an, "Our sale: " + blocked))
    console.wait("the sale message to fail on the blocked URL",
                 lambda d: console.text_of("status-%s" % sale_id) == "Failed: a URL in it is blocked by Facebook")
    status, answer = http("POST", "/admin/blocked-urls/release", {"url": blocked}, token=ADMIN_TOKEN)
    assert status == 200 and answer["requeued"] >= 1, "release answered %s %r" % (status, answer)
    console.wait("Herald named as the one who resent it",
                 lambda d: console.text_of("sender-%s" % sale_id) == "Sent by Lan · resent by Herald")
    console.screenshot("team-resent-by-herald")

    # Minh, in a browser of their own, sees Lan's name on Lan's reply and answers too.
    minh_console = Console(make_driver(), shots=console)
    try:
        minh_console.driver.get(BASE + "/console")
        sign_in(minh_console, minh["token"])
        minh_console.wait("Minh's name in the header",
                          lambda d: minh_console.text_of("signed-in-as") == "Signed in as Minh")
        minh_console.click("conversation-" + an)
        minh_console.wait("Lan's name on Lan's reply, in Minh's console",
                          lambda d: minh_console.text_of("sender-%s" % lan_id) == "Sent by Lan")
        from_minh = "Minh here: it ships tomorrow."
        minh_console.find("composer-text").send_keys(from_minh)
        minh_console.click("composer-send")
        minh_id = minh_console.wait("Minh's reply to be stored", lambda d: newest_outbound_id(an, from_minh))
        minh_console.wait("Minh's reply to say who sent it",
                          lambda d: minh_console.text_of("sender-%s" % minh_id) == "Sent by Minh")
        minh_console.screenshot("team-minh-answered")

        # Lan's console shows Minh's reply live, with Minh's name.
        console.wait("Minh's name on Minh's reply, in Lan's console",
                     lambda d: console.text_of("sender-%s" % minh_id) == "Sent by Minh")
        console.screenshot("team-lan-sees-minh")

        # An admin revokes Minh: Minh's open console signs out with a message within 5 s.
        status, answer = http("DELETE", "/admin/supporters/%s" % minh["id"], token=ADMIN_TOKEN)
        assert status == 204, "DELETE /admin/supporters answered %s %r" % (status, answer)
        revoked_at = time.monotonic()
        minh_console.visible("login-form", timeout=5)
        log("revoked console signed out after %.2f s" % (time.monotonic() - revoked_at))
        message = minh_console.text_of("login-error")
        assert "revoked" in message, "signed-out message: %r" % message
        stored = minh_console.driver.execute_script("return sessionStorage.getItem('herald.console.token')")
        assert stored is None, "the revoked token must be forgotten"
        minh_console.screenshot("team-minh-revoked")
    finally:
        minh_console.driver.quit()
    # Lan is not affected.
    assert console.find("connection").get_attribute("data-state") == "live", "Lan's console must stay signed in"


def main():
    os.makedirs(OUTPUT, exist_ok=True)
    driver = make_driver()
    console = Console(driver)
    try:
        run(console)
    except Exception:  # noqa: BLE001 - report anything, with the evidence, and fail
        traceback.print_exc()
        try:
            console.screenshot("FAILURE")
            with open(os.path.join(OUTPUT, "failure.html"), "w") as handle:
                handle.write(driver.page_source)
            with open(os.path.join(OUTPUT, "browser-console.log"), "w") as handle:
                for entry in driver.get_log("browser"):
                    handle.write("%s %s\n" % (entry["level"], entry["message"]))
        except Exception:  # noqa: BLE001 - the evidence is best effort
            traceback.print_exc()
        log("FAILED; evidence in " + OUTPUT)
        return 1
    finally:
        driver.quit()
    log("passed; screenshots in " + OUTPUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
