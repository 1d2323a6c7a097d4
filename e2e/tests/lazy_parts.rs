//! The release build's parts loaded on demand (issue 20, `cargo xtask dist` splits the wasm):
//! a first visit fetches none of them until one is needed, idle time then fetches them, and a
//! part that cannot come says so with "Try again" while the session goes on.
use std::time::Duration;

use e2e::fantoccini::Locator;
use e2e::Harness;

/// How the build names its parts (xtask/src/split.rs: `PART_PREFIX`).
const PART_PREFIX: &str = "ilert-pkce-part-";

/// The parts of the build under test, by file name.
fn parts() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(e2e::dist_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(PART_PREFIX) && n.ends_with(".wasm"))
        .collect();
    names.sort();
    names
}

/// The one part whose name starts with `PART_PREFIX` + `name` + `-`.
fn part(name: &str) -> String {
    let all = parts();
    let found: Vec<&String> = all
        .iter()
        .filter(|n| n.starts_with(&format!("{PART_PREFIX}{name}-")))
        .collect();
    assert_eq!(found.len(), 1, "the part {name} among {all:?}");
    found[0].clone()
}

/// The file names this document fetched (the browser's own list: cache hits too).
async fn fetched_by_page(h: &Harness) -> Vec<String> {
    let names = h
        .js("return performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname.split('/').pop());")
        .await;
    names
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

/// The "Try again" button, found as a person finds it: a button by its exact name.
async fn try_again(h: &Harness) -> e2e::fantoccini::elements::Element {
    h.browser
        .find(Locator::XPath(
            "//*[(self::button or @role='button') and normalize-space(.)='Try again']",
        ))
        .await
        .expect("a button named exactly \"Try again\"")
}

#[tokio::test]
async fn a_first_visit_fetches_no_part_until_one_is_needed_and_idle_time_fetches_them_all() {
    let all = parts();
    assert!(
        all.len() >= 3,
        "the release build has no parts (is it split?): {all:?}"
    );
    let h = Harness::start().await;
    // No idle time, so no prefetch: what is fetched is what the page needs.
    let off = h.without_idle_time().await;
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let served = h.served();
    assert!(
        served.iter().all(|p| !p.contains(PART_PREFIX)),
        "a first visit fetched a part before it was needed: {served:?}"
    );
    let page = fetched_by_page(&h).await;
    assert!(page.iter().all(|n| !n.starts_with(PART_PREFIX)), "{page:?}");
    assert!(
        page.iter().any(|n| n.starts_with("ilert-pkce-load-")),
        "the link module is part of the first load: {page:?}"
    );

    // Settings needs its part: it is fetched then, and the signed-in view's is not.
    h.click("[data-testid=nav-settings]").await;
    h.wait("[data-testid=settings]").await;
    let served = h.served();
    let settings = part("settings");
    assert!(
        served.iter().any(|p| p.ends_with(&settings)),
        "{settings} not fetched for Settings: {served:?}"
    );
    let signed_in = part("signed-in");
    assert!(
        served.iter().all(|p| !p.ends_with(&signed_in)),
        "{signed_in} fetched without a sign-in: {served:?}"
    );

    // A page that may prefetch fetches every part in idle time, without a click.
    h.with_idle_time(off).await;
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    let missing = h
        .until("every part fetched in idle time", || async {
            let page = fetched_by_page(&h).await;
            let missing: Vec<&String> = all.iter().filter(|p| !page.contains(p)).collect();
            missing.is_empty().then_some(missing.len())
        })
        .await;
    assert_eq!(missing, 0);
    h.stop().await;
}

#[tokio::test]
async fn a_part_that_cannot_load_says_so_with_try_again_and_the_session_survives() {
    let h = Harness::start().await;
    let settings = part("settings");
    h.refuse(&settings);
    h.sign_in().await;
    let tokens = h.tokens().await.expect("signed in");

    h.click("[data-testid=nav-settings]").await;
    let error = h.wait("[data-testid=part-error]").await;
    let text = error.text().await.unwrap();
    assert!(
        text.contains("The Settings page could not be loaded") && text.contains("still signed in"),
        "{text}"
    );
    assert_eq!(error.attr("role").await.unwrap().as_deref(), Some("alert"));
    // Nothing else broke: the session is as it was, the page still answers.
    assert_eq!(h.tokens().await, Some(tokens.clone()));
    assert!(h.served().iter().any(|p| p.ends_with(&settings)));

    // Refused again: Try again asks the server again (the failure was not kept), and says so.
    let asked = || h.served().iter().filter(|p| p.ends_with(&settings)).count();
    let before = asked();
    try_again(&h).await.click().await.unwrap();
    h.until("Try again asks the server again", || async {
        (asked() > before).then_some(())
    })
    .await;
    h.wait("[data-testid=part-error]").await;

    // The network is back: Try again loads the part.
    h.refuse_nothing();
    try_again(&h).await.click().await.unwrap();
    h.wait("[data-testid=settings]").await;
    assert!(
        h.browser
            .find(Locator::Css("[data-testid=part-error]"))
            .await
            .is_err(),
        "the error stayed"
    );

    // And the session goes on: home shows the signed-in view with the same tokens.
    h.click("header nav a:first-child").await;
    h.wait_text("[data-testid=profile-username]", "ada").await;
    assert_eq!(h.tokens().await, Some(tokens));
    h.stop().await;
}

#[tokio::test]
async fn a_part_altered_on_the_way_is_refused_by_its_integrity_and_says_so() {
    let h = Harness::start().await;
    let settings = part("settings");
    // A CDN or proxy that changes the file: served 200, still a valid module.
    h.tamper(&settings);
    let _off = h.without_idle_time().await;
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    h.click("[data-testid=nav-settings]").await;
    let error = h.wait("[data-testid=part-error]").await;
    let text = error.text().await.unwrap();
    assert!(
        text.contains("The Settings page could not be loaded"),
        "{text}"
    );
    assert!(
        h.served().iter().any(|p| p.ends_with(&settings)),
        "the altered part was served"
    );
    // The page never ran it: the Settings page is not there.
    assert!(h
        .browser
        .find(Locator::Css("[data-testid=settings]"))
        .await
        .is_err());
    // The rest of the page goes on (the altered file may now sit in the HTTP cache, so
    // Try again cannot be asked to cure it).
    h.click("header nav a:first-child").await;
    h.wait("[data-testid=connect]").await;
    h.stop().await;
}
