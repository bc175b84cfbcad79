//! Members, one-time sign-in links and the audit log, on both backends: roles and removals never
//! leave an organization without an admin (not even two admins demoting each other at once),
//! links work once and only until they expire, every operation stays inside its organization,
//! and the audit log is filtered, paged and cannot be changed.

mod store_support;

use chrono::{Duration, Utc};
use domain::store::{Actor, AuditAction, AuditFilter, NewAuditEvent, Role, Store, StoreError};
use store_support::TestStore;

async fn two_organizations(
    store: &dyn Store,
) -> (
    domain::store::Member,
    domain::store::Member,
    domain::store::Member,
) {
    let acme = store.create_organization("acme", "Acme").await.unwrap();
    let other = store.create_organization("other", "Other").await.unwrap();
    let admin = store
        .create_member(acme.id, "admin@acme.example", "hash-a", Role::Admin)
        .await
        .unwrap();
    let viewer = store
        .create_member(acme.id, "viewer@acme.example", "hash-v", Role::Viewer)
        .await
        .unwrap();
    let outsider = store
        .create_member(other.id, "ops@other.example", "hash-o", Role::Admin)
        .await
        .unwrap();
    (admin, viewer, outsider)
}

async fn roles_never_leave_an_organization_without_an_admin(db: TestStore) {
    let store = db.store.as_ref();
    let (admin, viewer, outsider) = two_organizations(store).await;
    let org = admin.org_id;

    let listed = store.members(org).await.unwrap();
    assert_eq!(
        listed.iter().map(|m| m.email.as_str()).collect::<Vec<_>>(),
        ["admin@acme.example", "viewer@acme.example"],
        "admins first, then by email; never another organization's"
    );

    // The only admin can neither step down nor be removed.
    assert!(matches!(
        store.set_member_role(org, admin.id, Role::Viewer).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.remove_member(org, admin.id).await,
        Err(StoreError::Invalid(_))
    ));
    // Another organization's member is not found through this one.
    assert!(matches!(
        store.set_member_role(org, outsider.id, Role::Viewer).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.remove_member(org, outsider.id).await,
        Err(StoreError::NotFound(_))
    ));

    // Two admins demoting each other at the same moment: exactly one succeeds.
    store
        .set_member_role(org, viewer.id, Role::Admin)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        store.set_member_role(org, admin.id, Role::Viewer),
        store.set_member_role(org, viewer.id, Role::Viewer)
    );
    assert!(a.is_ok() ^ b.is_ok(), "{a:?} {b:?}");
    let admins = store
        .members(org)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.role == Role::Admin)
        .count();
    assert_eq!(admins, 1);

    // A viewer can be removed; the member is gone.
    let viewer_now = if a.is_ok() { admin.id } else { viewer.id };
    let removed = store.remove_member(org, viewer_now).await.unwrap();
    assert_eq!(removed.id, viewer_now);
    assert!(store.member(viewer_now).await.unwrap().is_none());
    assert_eq!(store.members(org).await.unwrap().len(), 1);
}

async fn sign_in_links_work_once_until_they_expire(db: TestStore) {
    let store = db.store.as_ref();
    let (admin, viewer, outsider) = two_organizations(store).await;
    let now = Utc::now();
    let later = now + Duration::hours(24);

    // Not for another organization's member.
    assert!(matches!(
        store
            .create_sign_in_link(admin.org_id, outsider.id, "token-outsider-000000000", later)
            .await,
        Err(StoreError::NotFound(_))
    ));

    store
        .create_sign_in_link(viewer.org_id, viewer.id, "token-first-0000000000000", later)
        .await
        .unwrap();
    // A new link replaces the unused one.
    store
        .create_sign_in_link(viewer.org_id, viewer.id, "token-second-000000000000", later)
        .await
        .unwrap();
    assert!(store
        .sign_in_link_member("token-first-0000000000000", now)
        .await
        .unwrap()
        .is_none());
    let pending = store.members(viewer.org_id).await.unwrap();
    assert!(pending
        .iter()
        .any(|m| m.id == viewer.id && m.pending_link_until.is_some()));

    // Looking does not use it up.
    for _ in 0..2 {
        let found = store
            .sign_in_link_member("token-second-000000000000", now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, viewer.id);
    }
    // Not after it expired.
    assert!(store
        .sign_in_link_member("token-second-000000000000", later + Duration::seconds(1))
        .await
        .unwrap()
        .is_none());

    // Two uses at once: one wins and the password and generation move on once.
    let (a, b) = tokio::join!(
        store.use_sign_in_link("token-second-000000000000", now, "new-hash-1"),
        store.use_sign_in_link("token-second-000000000000", now, "new-hash-2"),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.is_some() ^ b.is_some());
    let used = a.or(b).unwrap();
    assert_eq!(used.id, viewer.id);
    assert_eq!(used.session_generation, viewer.session_generation + 1);
    assert!(store
        .use_sign_in_link("token-second-000000000000", now, "again")
        .await
        .unwrap()
        .is_none());
    assert!(store
        .members(viewer.org_id)
        .await
        .unwrap()
        .iter()
        .all(|m| m.pending_link_until.is_none()));

    // A password change moves the generation on too, and only inside the organization.
    let generation = store
        .set_member_password(viewer.org_id, viewer.id, "hash-3")
        .await
        .unwrap();
    assert_eq!(generation, used.session_generation + 1);
    assert!(matches!(
        store
            .set_member_password(outsider.org_id, viewer.id, "hash-4")
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store
            .member_credentials("viewer@acme.example")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "hash-3"
    );
}

async fn the_audit_log_is_filtered_paged_and_scoped(db: TestStore) {
    let store = db.store.as_ref();
    let (admin, viewer, outsider) = two_organizations(store).await;
    let org = admin.org_id;
    for i in 0..7 {
        let (who, action) = if i % 2 == 0 {
            (&admin, AuditAction::CoverageChanged)
        } else {
            (&viewer, AuditAction::SignIn)
        };
        store
            .record_audit(
                &NewAuditEvent::new(org, Actor::member(who.id, &who.email), action)
                    .detail(format!("entry {i}")),
            )
            .await
            .unwrap();
    }
    store
        .record_audit(&NewAuditEvent::new(
            outsider.org_id,
            Actor::member(outsider.id, &outsider.email),
            AuditAction::SignIn,
        ))
        .await
        .unwrap();
    store
        .record_audit(
            &NewAuditEvent::new(org, Actor::system("schedule"), AuditAction::SyncStarted)
                .subject("run #1"),
        )
        .await
        .unwrap();

    let (all, total) = store
        .audit_events(org, &AuditFilter::default(), 100)
        .await
        .unwrap();
    assert_eq!(total, 8, "never another organization's entries");
    assert_eq!(all.len(), 8);
    assert_eq!(all[0].action, AuditAction::SyncStarted, "newest first");
    assert_eq!(all[0].actor.member, None);
    assert_eq!(all[0].actor.name, "schedule");

    let by_viewer = AuditFilter {
        actor: Some(viewer.id),
        ..Default::default()
    };
    let (rows, total) = store.audit_events(org, &by_viewer, 100).await.unwrap();
    assert_eq!(total, 3);
    assert!(rows.iter().all(|e| e.actor.member == Some(viewer.id)));

    let coverage = AuditFilter {
        action: Some(AuditAction::CoverageChanged),
        ..Default::default()
    };
    let (first, total) = store.audit_events(org, &coverage, 2).await.unwrap();
    assert_eq!(total, 4);
    assert_eq!(
        first
            .iter()
            .map(|e| e.detail.clone().unwrap())
            .collect::<Vec<_>>(),
        ["entry 6", "entry 4"]
    );
    let (next, _) = store
        .audit_events(
            org,
            &AuditFilter {
                before: Some(first[1].id),
                ..coverage
            },
            2,
        )
        .await
        .unwrap();
    assert_eq!(
        next.iter()
            .map(|e| e.detail.clone().unwrap())
            .collect::<Vec<_>>(),
        ["entry 2", "entry 0"]
    );
}

on_both_backends!(
    roles_never_leave_an_organization_without_an_admin,
    sign_in_links_work_once_until_they_expire,
    the_audit_log_is_filtered_paged_and_scoped,
);

/// The database itself refuses to change or delete an audit entry, on both backends.
#[tokio::test]
async fn audit_entries_cannot_be_changed_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = domain::store::SqliteStore::open(dir.path().join("a.db").to_str().unwrap())
        .await
        .unwrap();
    let (pg, url) = store_support::postgres_with_url().await;
    for store in [&sqlite as &dyn Store, pg.store.as_ref()] {
        let org = store.create_organization("acme", "Acme").await.unwrap();
        store
            .record_audit(&NewAuditEvent::new(
                org.id,
                Actor::system("schedule"),
                AuditAction::SyncStarted,
            ))
            .await
            .unwrap();
    }
    for sql in [
        "UPDATE audit_events SET actor = 'someone else'",
        "DELETE FROM audit_events",
    ] {
        let err = sqlx::query(sql).execute(sqlite.pool()).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "sqlite: {err}");
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let err = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "postgres: {err}");
        pool.close().await;
    }
    let (rows, _) = sqlite
        .audit_events(
            sqlite
                .organization_by_slug("acme")
                .await
                .unwrap()
                .unwrap()
                .id,
            &AuditFilter::default(),
            10,
        )
        .await
        .unwrap();
    assert_eq!(rows[0].actor.name, "schedule");
}
