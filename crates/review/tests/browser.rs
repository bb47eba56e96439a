//! End-to-end: the real review page in headless Chromium, driven over the
//! DevTools protocol, against the real server and a real store file.
//! Never skipped: without Chromium these tests fail and say how to get it.

mod fixture;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use headless_chrome::{Browser, LaunchOptions, Tab};

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium_path() -> PathBuf {
    let p = std::env::var_os("AUTOCODE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(CHROMIUM));
    assert!(
        p.exists(),
        "headless Chromium not found at {} — the review tests need it. \
         `.ci/run` installs it (Debian: apt-get install -y chromium); \
         AUTOCODE_CHROMIUM overrides the path.",
        p.display()
    );
    p
}

struct Session {
    browser: Browser,
    _profile: tempfile::TempDir,
}

fn launch() -> Session {
    let profile = tempfile::tempdir().unwrap();
    let opts = LaunchOptions::default_builder()
        .path(Some(chromium_path()))
        .headless(true)
        .sandbox(false)
        .user_data_dir(Some(profile.path().to_path_buf()))
        .idle_browser_timeout(Duration::from_secs(300))
        .args(vec![
            OsStr::new("--disable-gpu"),
            OsStr::new("--disable-quic"),
            OsStr::new("--no-first-run"),
            OsStr::new("--disable-background-networking"),
            OsStr::new("--disable-component-update"),
            OsStr::new("--disable-sync"),
        ])
        .build()
        .unwrap();
    let browser = Browser::new(opts).expect("starting headless Chromium");
    Session {
        browser,
        _profile: profile,
    }
}

fn serve(path: &Path, blind: bool) -> review::Running {
    review::start(review::ServeConfig {
        store: path.to_path_buf(),
        listen: "127.0.0.1:0".parse().unwrap(),
        token: "test-token-0123456789".into(),
        reviewer: Some("rita".into()),
        blind,
        retrain: None,
        retrain_hint: "autocode code".into(),
        audit: false,
        report_data: None,
    })
    .unwrap()
}

fn eval(tab: &Tab, js: &str) -> serde_json::Value {
    tab.evaluate(js, false)
        .unwrap_or_else(|e| panic!("evaluating {js}: {e}"))
        .value
        .unwrap_or(serde_json::Value::Null)
}

/// Polls a JS condition until it is true.
fn wait_for(tab: &Tab, js: &str) {
    let start = Instant::now();
    loop {
        if eval(tab, js) == serde_json::Value::Bool(true) {
            return;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let status = eval(tab, "document.getElementById('status') && document.getElementById('status').textContent");
            panic!("timed out waiting for {js}; status line: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn saved_count_is(tab: &Tab, n: usize) {
    wait_for(
        tab,
        &format!("document.getElementById('status').dataset.saved === '{n}'"),
    );
}

fn current_segment(tab: &Tab) -> i64 {
    eval(
        tab,
        "Number(document.getElementById('item').dataset.segment)",
    )
    .as_f64()
    .unwrap() as i64
}

/// Switches the queue to "most uncertain first" (the page starts on the
/// measured review order) and waits for `first` to be the current item.
fn order_most_uncertain(tab: &Tab, first: i64) {
    wait_for(tab, "!!document.querySelector('mark.sentence')");
    eval(
        tab,
        "(() => { const s = document.getElementById('f-order'); s.value = 'uncertain'; \
         s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()",
    );
    wait_for(
        tab,
        &format!("Number(document.getElementById('item').dataset.segment) === {first}"),
    );
}

fn open_page(session: &Session, url: &str) -> Arc<Tab> {
    let tab = session.browser.new_tab().unwrap();
    tab.navigate_to(url)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    wait_for(&tab, "document.body && document.body.dataset.ready === '1'");
    tab
}

#[test]
fn review_page_decisions_by_keyboard_and_theme_acceptance_persist() {
    let fx = fixture::build();
    let server = serve(&fx.path, false);
    let session = launch();
    let tab = open_page(&session, &server.url());

    // The token moved from the URL into a cookie.
    assert!(!tab.get_url().contains("token="), "{}", tab.get_url());

    // The page starts on the measured review order (issue #15).
    wait_for(&tab, "!!document.querySelector('mark.sentence')");
    assert_eq!(
        eval(&tab, "document.getElementById('f-order').value"),
        serde_json::json!("review")
    );
    // Most uncertain first: the first item's sentence is markup.
    order_most_uncertain(&tab, fx.seg["xss"]);
    assert_eq!(current_segment(&tab), fx.seg["xss"]);
    assert_eq!(
        eval(&tab, "document.querySelector('mark.sentence').textContent"),
        serde_json::json!(fixture::XSS)
    );
    assert_eq!(
        eval(&tab, "document.querySelectorAll('img').length"),
        serde_json::json!(0)
    );
    // Context: the neighbouring turns with speaker and role.
    let context = eval(&tab, "document.querySelector('.context').textContent");
    let context = context.as_str().unwrap();
    assert!(
        context.contains("Mod (Moderator)What do you think"),
        "{context}"
    );
    assert!(
        context.contains("Ann (commuter)") && context.contains("The bus is always late."),
        "{context}"
    );
    assert!(
        eval(&tab, "document.querySelector('.definition').textContent")
            .as_str()
            .unwrap()
            .contains("Getting to or into places"),
    );
    // Its criteria, to decide against.
    assert_eq!(
        eval(
            &tab,
            "document.querySelector('.criteria.inclusion').textContent"
        ),
        serde_json::json!("Use when: ramps, lifts and steps")
    );
    assert_eq!(
        eval(
            &tab,
            "document.querySelector('.criteria.exclusion').textContent"
        ),
        serde_json::json!("Not when: services running late (code Delays); fares")
    );
    assert!(
        eval(&tab, "document.getElementById('help-line').textContent")
            .as_str()
            .unwrap()
            .contains("a accept")
    );

    // a: accept "access" on the markup sentence.
    tab.press_key("a").unwrap();
    saved_count_is(&tab, 1);
    wait_for(
        &tab,
        &format!(
            "document.getElementById('item').dataset.segment === '{}'",
            fx.seg["late"]
        ),
    );
    // r: reject "delay" on "The bus is always late."
    tab.press_key("r").unwrap();
    saved_count_is(&tab, 2);
    wait_for(
        &tab,
        &format!(
            "document.getElementById('item').dataset.segment === '{}'",
            fx.seg["costs"]
        ),
    );
    // 2: change "cost" to code number 2 (delay) on the tickets sentence.
    tab.press_key("2").unwrap();
    saved_count_is(&tab, 3);

    let reviews = fixture::reviews(&fx.path);
    let expect = |d: &str, k: &str, c: &str, n: Option<&str>| {
        (
            d.to_string(),
            fx.seg[k],
            Some(c.to_string()),
            n.map(String::from),
            "rita".to_string(),
        )
    };
    assert_eq!(
        reviews,
        vec![
            expect("accept", "xss", "access", None),
            expect("reject", "late", "delay", None),
            expect("recode", "costs", "cost", Some("delay")),
        ]
    );
    assert_eq!(
        fixture::human_codings(&fx.path),
        vec![
            (fx.seg["costs"], "delay".to_string(), "rita".to_string()),
            (fx.seg["xss"], "access".to_string(), "rita".to_string()),
        ]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );

    // Themes: accept the suggestion as a new code under "access".
    tab.find_element("#tab-themes").unwrap().click().unwrap();
    let card = format!(".theme[data-theme-id='{}']", fx.theme_id);
    tab.wait_for_element(&format!("{card} .btn-theme-accept"))
        .unwrap();
    tab.find_element(&format!("{card} .new-name"))
        .unwrap()
        .click()
        .unwrap();
    eval(
        &tab,
        &format!("document.querySelector(\"{card} .new-name\").value = ''"),
    );
    tab.type_str("Parking").unwrap();
    tab.find_element(&format!("{card} .new-definition"))
        .unwrap()
        .click()
        .unwrap();
    tab.type_str("Finding or paying for a parking space.")
        .unwrap();
    eval(
        &tab,
        &format!("document.querySelector(\"{card} .new-parent\").value = 'access'"),
    );
    tab.find_element(&format!("{card} .btn-theme-accept"))
        .unwrap()
        .click()
        .unwrap();
    saved_count_is(&tab, 4);

    let store = store::Store::open(&fx.path).unwrap();
    let newest = store.codebook_versions().unwrap().pop().unwrap();
    assert_eq!(newest.version, 2);
    // The accepted code extends version 1, the codebook the page showed.
    assert_eq!(newest.parent_version, Some(1));
    assert_eq!(newest.origin, store::CodebookOrigin::Review);
    let cb: classify::Codebook = serde_json::from_str(&newest.body).unwrap();
    let parking = cb
        .codes
        .iter()
        .find(|c| c.id == "parking")
        .expect("new code in codebook v2");
    assert_eq!(parking.name, "Parking");
    assert_eq!(parking.parent.as_deref(), Some("access"));
    assert_eq!(parking.definition, "Finding or paying for a parking space.");
    assert_eq!(
        parking.examples,
        vec!["Parking in town is impossible.".to_string()]
    );
    assert_eq!(cb.codes.len(), 4);
    let theme = store::theme_suggestion(store.conn(), fx.theme_id)
        .unwrap()
        .unwrap();
    assert_eq!(theme.status, "accepted");
    drop(store);

    // Reload (the cookie carries the token now): all four decisions show.
    let base = format!("http://{}/", server.addr());
    tab.navigate_to(&base)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    wait_for(&tab, "document.body && document.body.dataset.ready === '1'");
    eval(&tab, "document.getElementById('f-status').value = 'reviewed'; document.getElementById('filters').dispatchEvent(new Event('change'))");
    wait_for(
        &tab,
        "document.querySelectorAll('.queue-item.reviewed').length === 3",
    );
    tab.find_element("#tab-themes").unwrap().click().unwrap();
    wait_for(
        &tab,
        &format!("!!document.querySelector(\"{card}.accepted\")"),
    );
    // The new code is offered in the queue's code list (codebook v2).
    assert!(eval(
        &tab,
        "Array.from(document.querySelectorAll('#f-code option')).map(o => o.value).join(',')"
    )
    .as_str()
    .unwrap()
    .contains("parking"));
    tab.find_element("#tab-progress").unwrap().click().unwrap();
    wait_for(&tab, "!!document.getElementById('progress-total')");
    let total = eval(
        &tab,
        "document.getElementById('progress-total').textContent",
    );
    assert!(
        total
            .as_str()
            .unwrap()
            .starts_with("3 of 4 suggestions reviewed"),
        "{total}"
    );
    server.stop().unwrap();
}

#[test]
fn second_tab_sees_the_first_decision_and_missing_token_is_refused() {
    let fx = fixture::build();
    let server = serve(&fx.path, false);
    let session = launch();

    // No token: the page itself is refused.
    let bare = session.browser.new_tab().unwrap();
    bare.navigate_to(&format!("http://{}/", server.addr()))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    let text = eval(&bare, "document.body.textContent");
    assert!(
        text.as_str().unwrap().contains("refused: no token"),
        "{text}"
    );
    assert_eq!(
        eval(&bare, "!!document.getElementById('item')"),
        serde_json::json!(false)
    );

    let one = open_page(&session, &server.url());
    let two = open_page(&session, &server.url());
    for tab in [&one, &two] {
        order_most_uncertain(tab, fx.seg["xss"]);
        assert_eq!(current_segment(tab), fx.seg["xss"]);
    }
    one.bring_to_front().unwrap();
    one.press_key("a").unwrap();
    saved_count_is(&one, 1);
    two.bring_to_front().unwrap();
    two.press_key("r").unwrap();
    wait_for(
        &two,
        "document.getElementById('status').textContent.startsWith('Not saved')",
    );
    // The stale tab now shows the first tab's decision and saved nothing.
    wait_for(&two, "!!document.querySelector('.decisions')");
    let decisions = eval(&two, "document.querySelector('.decisions').textContent");
    assert!(
        decisions.as_str().unwrap().contains("rita: accept Access"),
        "{decisions}"
    );
    assert_eq!(fixture::reviews(&fx.path).len(), 1);
    // Deciding again from the refreshed item works.
    two.press_key("r").unwrap();
    saved_count_is(&two, 1);
    let reviews = fixture::reviews(&fx.path);
    assert_eq!(reviews.len(), 2);
    assert_eq!(reviews[1].0, "reject");
    server.stop().unwrap();
}

#[test]
fn blind_reviewers_do_not_see_each_other_and_agreement_is_reported() {
    let fx = fixture::build();
    let server = serve(&fx.path, true);
    let session = launch();
    let tab = open_page(&session, &server.url());
    order_most_uncertain(&tab, fx.seg["xss"]);
    tab.press_key("a").unwrap();
    saved_count_is(&tab, 1);

    // A second reviewer in the same browser: their queue still holds the item
    // and shows no decision by rita.
    eval(&tab, "document.getElementById('reviewer').value = 'sam'; document.getElementById('reviewer').dispatchEvent(new Event('change'))");
    wait_for(&tab, &format!("document.getElementById('item').dataset.segment === '{}' && !document.querySelector('.decisions')", fx.seg["xss"]));
    tab.press_key("a").unwrap();
    saved_count_is(&tab, 2);
    // Blind, the Progress tab shows sam his own figures and no reviewer
    // pair: a live pair figure would tell him what rita decided (h18/02).
    tab.find_element("#tab-progress").unwrap().click().unwrap();
    wait_for(&tab, "!!document.getElementById('progress-total')");
    let text = eval(&tab, "document.getElementById('progress').textContent");
    let text = text.as_str().unwrap();
    assert!(
        text.contains("Blind coding: agreement between reviewers is not shown while you code"),
        "{text}"
    );
    assert!(!text.contains("rita vs sam"), "{text}");
    assert!(
        text.starts_with("1 of 4 suggestions reviewed, 3 remaining · 1 decisions of yours stored"),
        "{text}"
    );
    server.stop().unwrap();

    // Served without --blind afterwards, the pair's agreement is shown.
    let server = serve(&fx.path, false);
    let tab = open_page(&session, &server.url());
    tab.find_element("#tab-progress").unwrap().click().unwrap();
    wait_for(&tab, "!!document.getElementById('progress-total')");
    let text = eval(&tab, "document.getElementById('progress').textContent");
    assert!(
        text.as_str()
            .unwrap()
            .contains("rita vs sam: κ undefined · agreement 1.00 · n 1"),
        "{text}"
    );
    server.stop().unwrap();
}

#[test]
fn help_navigation_add_no_code_and_memo_keys() {
    let fx = fixture::build();
    let server = serve(&fx.path, false);
    let session = launch();
    let tab = open_page(&session, &server.url());
    order_most_uncertain(&tab, fx.seg["xss"]);
    let at = |key: &str| {
        format!(
            "document.getElementById('item').dataset.segment === '{}'",
            fx.seg[key]
        )
    };

    tab.press_key("?").unwrap();
    wait_for(&tab, "!document.getElementById('help').hidden");
    tab.press_key("?").unwrap();
    wait_for(&tab, "document.getElementById('help').hidden");
    // Queue entries are buttons a keyboard reaches (Tab) and takes (Enter).
    assert!(eval(
        &tab,
        "[...document.querySelectorAll('.queue-item')].every(li => li.getAttribute('role') === 'button' && li.tabIndex === 0)"
    )
    .as_bool()
    .unwrap());
    tab.press_key("j").unwrap();
    wait_for(&tab, &at("late"));
    tab.press_key("k").unwrap();
    wait_for(&tab, &at("xss"));

    // + then 1: add code 1 (cost) as well; the suggestion stays undecided.
    tab.press_key("+").unwrap();
    tab.press_key("1").unwrap();
    saved_count_is(&tab, 1);
    assert!(eval(&tab, &at("xss")).as_bool().unwrap());
    tab.press_key("a").unwrap();
    saved_count_is(&tab, 2);
    wait_for(&tab, &at("late"));
    tab.press_key("n").unwrap();
    saved_count_is(&tab, 3);
    wait_for(&tab, &at("costs"));
    tab.press_key("m").unwrap();
    wait_for(
        &tab,
        "document.activeElement && document.activeElement.id === 'memo'",
    );
    tab.type_str("needs the question").unwrap();
    tab.press_key_with_modifiers(
        "Enter",
        Some(&[headless_chrome::browser::tab::ModifierKey::Ctrl]),
    )
    .unwrap();
    saved_count_is(&tab, 4);
    // A memo left in the box when deciding is saved with the decision, as
    // its reason (which the next `autocode code` trains on).
    wait_for(&tab, &at("costs"));
    tab.press_key("m").unwrap();
    wait_for(
        &tab,
        "document.activeElement && document.activeElement.id === 'memo'",
    );
    tab.type_str("the price of tickets, not access").unwrap();
    tab.press_key("Escape").unwrap();
    tab.press_key("r").unwrap();
    saved_count_is(&tab, 5);
    wait_for(
        &tab,
        "document.getElementById('status').textContent === 'saved: reject Cost with its memo'",
    );

    let reviews = fixture::reviews(&fx.path);
    let got: Vec<(&str, i64, Option<&str>, Option<&str>)> = reviews
        .iter()
        .map(|r| (r.0.as_str(), r.1, r.2.as_deref(), r.3.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("add", fx.seg["xss"], Some("access"), Some("cost")),
            ("accept", fx.seg["xss"], Some("access"), None),
            ("none", fx.seg["late"], Some("delay"), None),
            ("memo", fx.seg["costs"], Some("cost"), None),
            ("reject", fx.seg["costs"], Some("cost"), None),
        ]
    );
    let store = store::Store::open(&fx.path).unwrap();
    let memos: Vec<Option<String>> = store
        .reviews()
        .unwrap()
        .into_iter()
        .map(|r| r.memo)
        .collect();
    assert_eq!(
        memos,
        vec![
            None,
            None,
            None,
            Some("needs the question".to_string()),
            Some("the price of tickets, not access".to_string()),
        ]
    );
    let mut expect = vec![
        (fx.seg["xss"], "access".to_string(), "rita".to_string()),
        (fx.seg["xss"], "cost".to_string(), "rita".to_string()),
    ];
    expect.sort();
    assert_eq!(fixture::human_codings(&fx.path), expect);
    server.stop().unwrap();
}

/// h16/01. The theme's "Merge into code" menu lists a category
/// (`codable: false`) as a heading that cannot be picked and never starts
/// on it (before, the codebook's first code, a category, was the default
/// and one click merged the theme into a folder nothing learns from); the
/// server refuses one the page is made to send. And a recode A → B on a
/// sentence where B was suggested too settles B as the server counts it:
/// the page marks that suggestion reviewed and does not show it next.
#[test]
fn theme_merge_menu_skips_categories_and_a_recode_settles_the_given_suggestion() {
    let fx = fixture::build();
    {
        let store = store::Store::open(&fx.path).unwrap();
        let body = serde_json::json!({
            "name": "transport",
            "codes": [
                {"id": "travel", "name": "Travel", "definition": "Getting about.", "codable": false},
                {"id": "cost", "name": "Cost", "definition": "Money: fares, prices.", "parent": "travel"},
                {"id": "delay", "name": "Delays", "definition": "Services that are late.", "parent": "travel"},
                {"id": "access", "name": "Access", "definition": "Getting to or into places."}
            ]
        })
        .to_string();
        let hash = corpus::content_hash(body.as_bytes());
        store::put_codebook_child(store.conn(), 1, "transport", &body, &hash).unwrap();
        // "The bus is always late.": cost suggested too, in the queue now.
        // Most uncertain first: xss (0), late/cost (0.05), late/delay
        // (0.06), costs (0.10), parking (0.40).
        store
            .conn()
            .execute(
                "UPDATE codings SET confidence = 0.45 WHERE segment_id = ?1 AND code_id = 'cost'",
                [fx.seg["late"]],
            )
            .unwrap();
    }
    let server = serve(&fx.path, false);
    let session = launch();
    let tab = open_page(&session, &server.url());
    order_most_uncertain(&tab, fx.seg["xss"]);
    let at = |key: &str, code: &str| {
        format!(
            "document.getElementById('item').dataset.segment === '{}' && document.getElementById('item').dataset.code === '{code}'",
            fx.seg[key]
        )
    };
    tab.press_key("a").unwrap();
    saved_count_is(&tab, 1);
    wait_for(&tab, &at("late", "cost"));
    // 2: not cost but delay (the category has no number key).
    tab.press_key("2").unwrap();
    saved_count_is(&tab, 2);
    wait_for(&tab, &at("costs", "cost"));
    assert_eq!(
        eval(
            &tab,
            "JSON.stringify([...document.querySelectorAll('.queue-item')].map(li => li.classList.contains('reviewed')))"
        ),
        serde_json::json!("[true,true,true,false,false]")
    );
    assert_eq!(
        fixture::reviews(&fx.path)
            .into_iter()
            .map(|r| (r.0, r.1, r.2, r.3))
            .collect::<Vec<_>>(),
        vec![
            (
                "accept".to_string(),
                fx.seg["xss"],
                Some("access".to_string()),
                None
            ),
            (
                "recode".to_string(),
                fx.seg["late"],
                Some("cost".to_string()),
                Some("delay".to_string())
            ),
        ]
    );

    tab.find_element("#tab-themes").unwrap().click().unwrap();
    let card = format!(".theme[data-theme-id='{}']", fx.theme_id);
    tab.wait_for_element(&format!("{card} .btn-theme-merge"))
        .unwrap();
    // An object comes back as JSON text (evaluate returns no object by value).
    let menu = |class: &str| -> serde_json::Value {
        let text = eval(
            &tab,
            &format!(
                "(() => {{ const s = document.querySelector(\"{card} .{class}\"); \
                 return JSON.stringify({{value: s.value, options: [...s.options].map(o => [o.value, o.textContent, o.disabled])}}); }})()"
            ),
        );
        serde_json::from_str(text.as_str().unwrap()).unwrap()
    };
    assert_eq!(
        menu("merge-code"),
        serde_json::json!({"value": "cost", "options": [
            ["travel", "Travel (category)", true],
            ["cost", "Travel › Cost", false],
            ["delay", "Travel › Delays", false],
            ["access", "Access", false],
        ]})
    );
    // A new code may sit in the category: the parent menu offers it.
    assert_eq!(
        menu("new-parent")["options"][1],
        serde_json::json!(["travel", "Travel", false])
    );
    // Made to send the category anyway, the page is refused, and says so.
    eval(
        &tab,
        &format!("document.querySelector(\"{card} .merge-code\").value = 'travel'"),
    );
    tab.find_element(&format!("{card} .btn-theme-merge"))
        .unwrap()
        .click()
        .unwrap();
    wait_for(
        &tab,
        "document.getElementById('status').textContent.startsWith('Not saved: code_id \"travel\" (Travel) is a category (codable: false)')",
    );
    // The theme is shown again, still open, its menu on a code.
    tab.wait_for_element(&format!("{card}.open .btn-theme-merge"))
        .unwrap();
    assert_eq!(menu("merge-code")["value"], serde_json::json!("cost"));
    tab.find_element(&format!("{card} .btn-theme-merge"))
        .unwrap()
        .click()
        .unwrap();
    saved_count_is(&tab, 3);
    let store = store::Store::open(&fx.path).unwrap();
    let newest = store.codebook_versions().unwrap().pop().unwrap();
    assert_eq!(newest.version, 3);
    let cb: classify::Codebook = serde_json::from_str(&newest.body).unwrap();
    let examples = |id: &str| {
        cb.codes
            .iter()
            .find(|c| c.id == id)
            .unwrap()
            .examples
            .clone()
    };
    assert_eq!(
        examples("cost"),
        vec!["Parking in town is impossible.".to_string()]
    );
    assert!(examples("travel").is_empty());
    let theme = store::theme_suggestion(store.conn(), fx.theme_id)
        .unwrap()
        .unwrap();
    assert_eq!(theme.status, "merged");
    drop(store);
    server.stop().unwrap();
}
