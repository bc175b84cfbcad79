//! `dashboard recount --org`: an operator checks the counts the database keeps (the tabs, the
//! overview) against the rows after a sync, sees what differed, and finds them repaired.

mod common;

use domain::store::SqliteStore;

fn recount(server: &common::TestServer, org: &str) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dashboard"))
        .args(["recount", "--org", org])
        .env("DATABASE_URL", &server.db)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn recount_names_what_drifted_and_repairs_it() {
    let (_sandbox, server, admin) = common::with_sandbox().await;
    let run = server.call(&admin, "start_sync", &[]).await;
    server.wait_for_run(&admin, &run).await;

    let (ok, out, err) = recount(&server, "acme");
    assert!(ok, "{out}{err}");
    assert!(out.contains("matched its rows"), "{out}");

    // A count damaged behind the product's back.
    let store = SqliteStore::open(&server.db).await.unwrap();
    sqlx::query(
        "UPDATE contractor_org_counts SET n = n + 7 WHERE org_id = $1 AND status = 'synced'",
    )
    .bind(server.org.0)
    .execute(store.pool())
    .await
    .unwrap();
    let (ok, out, err) = recount(&server, "acme");
    assert!(ok, "{out}{err}");
    assert!(out.contains("contractor_org_counts"), "{out}");
    assert!(out.contains("synced"), "{out}");
    let (ok, out, _) = recount(&server, "acme");
    assert!(ok && out.contains("matched its rows"), "repaired: {out}");

    let (ok, _, err) = recount(&server, "nobody");
    assert!(!ok);
    assert!(
        err.contains("no organization with slug \"nobody\""),
        "{err}"
    );
    server.stop().await;
}
