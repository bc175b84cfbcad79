//! Members, one-time sign-in links and the audit log, on both backends: roles and removals never
//! leave an organization without an admin (not even two admins demoting each other at once),
//! links work once and only until they expire, every operation stays inside its organization,
//! and the audit log is filtered, paged and cannot be changed.

mod store_support;

use chrono::{Duration, Utc};
use domain::store::roles::*;
use domain::store::{
    Actor, AuditAction, AuditFilter, NewAuditEvent, Role, SessionRow, Store, StoreError,
};
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

/// A removed member's id is never handed to the next member, in any organization, and their
/// sessions go with them; each member's session key is their own.
async fn removed_members_take_their_id_and_sessions_with_them(db: TestStore) {
    let store = db.store.as_ref();
    let (admin, viewer, _) = two_organizations(store).await;
    // The viewer of one organization signs in twice; a visitor has a session with no member.
    let expires = Utc::now() + Duration::hours(1);
    let session = |id: &str, member| SessionRow {
        id: id.to_string(),
        member,
        data: format!("{{\"n\":\"{id}\"}}"),
        expires_at: expires,
    };
    for (id, member) in [
        ("s-viewer-1", Some(viewer.id)),
        ("s-viewer-2", Some(viewer.id)),
        ("s-admin", Some(admin.id)),
        ("s-visitor", None),
    ] {
        assert!(db
            .sessions
            .create_session(&session(id, member))
            .await
            .unwrap());
    }
    assert!(
        !db.sessions
            .create_session(&session("s-admin", None))
            .await
            .unwrap(),
        "a taken id is refused, not overwritten"
    );
    assert_eq!(
        db.sessions.member_session_count(viewer.id).await.unwrap(),
        2
    );

    // The newest member is removed: that is when SQLite used to hand the same id out again.
    let newest = store
        .create_member(admin.org_id, "leaving@acme.example", "hash-l", Role::Viewer)
        .await
        .unwrap();
    assert!(db
        .sessions
        .create_session(&session("s-leaving", Some(newest.id)))
        .await
        .unwrap());
    store.remove_member(admin.org_id, newest.id).await.unwrap();
    store.remove_member(admin.org_id, viewer.id).await.unwrap();
    assert_eq!(
        db.sessions.member_session_count(newest.id).await.unwrap(),
        0
    );
    assert_eq!(
        db.sessions.member_session_count(viewer.id).await.unwrap(),
        0
    );
    let now = Utc::now();
    assert!(db
        .sessions
        .load_session("s-leaving", now)
        .await
        .unwrap()
        .is_none());
    assert!(db
        .sessions
        .load_session("s-viewer-1", now)
        .await
        .unwrap()
        .is_none());
    // Others' sessions are untouched.
    assert!(db
        .sessions
        .load_session("s-admin", now)
        .await
        .unwrap()
        .is_some());
    assert!(db
        .sessions
        .load_session("s-visitor", now)
        .await
        .unwrap()
        .is_some());

    // A request of the removed member that was in flight cannot write their session back.
    db.sessions
        .save_session(&session("s-viewer-1", Some(viewer.id)))
        .await
        .unwrap();
    assert!(db
        .sessions
        .load_session("s-viewer-1", now)
        .await
        .unwrap()
        .is_none());

    // Another organization's next member gets a new id and a key of their own.
    let other = store.create_organization("third", "Third").await.unwrap();
    let next = store
        .create_member(other.id, "new@third.example", "hash-n", Role::Admin)
        .await
        .unwrap();
    assert!(
        next.id.0 > newest.id.0,
        "the removed member's id {:?} was handed out again as {:?}",
        newest.id,
        next.id
    );
    assert_ne!(next.session_key, newest.session_key);
    assert_ne!(next.session_key, admin.session_key);
    let loaded = store.member(next.id).await.unwrap().unwrap();
    assert_eq!(loaded.session_key, next.session_key, "the key is stored");
    assert!(loaded.session_key.matches(next.session_key.expose()));
    assert!(!loaded.session_key.matches(admin.session_key.expose()));
    assert!(!loaded.session_key.matches(""));

    // Expired sessions are not loaded, and are deleted.
    db.sessions
        .save_session(&SessionRow {
            expires_at: now - Duration::seconds(1),
            ..session("s-visitor", None)
        })
        .await
        .unwrap();
    assert!(db
        .sessions
        .load_session("s-visitor", Utc::now())
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        db.sessions
            .delete_expired_sessions(Utc::now())
            .await
            .unwrap(),
        1
    );
    db.sessions.delete_session("s-admin").await.unwrap();
    assert_eq!(db.sessions.member_session_count(admin.id).await.unwrap(), 0);
}

/// Invitations: one pending per address and organization, none for a member of the
/// organization; used once (making the member) or refused for an address that signs in
/// elsewhere; expired and cancelled ones are gone; every operation stays in its organization.
async fn invitations_make_members_once_and_reserve_nothing(db: TestStore) {
    use domain::store::{AcceptedInvitation, InvitationId};
    let store = db.store.as_ref();
    let (admin, _, outsider) = two_organizations(store).await;
    let org = admin.org_id;
    let now = Utc::now();
    let later = now + Duration::hours(72);

    store
        .create_invitation(
            org,
            "new@acme.example",
            Role::Viewer,
            "token-new-0000000000000",
            later,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_invitation(
                org,
                "new@acme.example",
                Role::Admin,
                "token-new-1111111111111",
                later
            )
            .await,
        Err(StoreError::Conflict("an invitation for this email"))
    ));
    assert!(matches!(
        store
            .create_invitation(
                org,
                "admin@acme.example",
                Role::Viewer,
                "token-adm-0000000000000",
                later
            )
            .await,
        Err(StoreError::Conflict("a member with this email"))
    ));
    // The other organization's member can be invited here, and the same address elsewhere.
    store
        .create_invitation(
            org,
            &outsider.email,
            Role::Viewer,
            "token-out-0000000000000",
            later,
        )
        .await
        .unwrap();
    store
        .create_invitation(
            outsider.org_id,
            "new@acme.example",
            Role::Viewer,
            "token-oth-0000000000000",
            later,
        )
        .await
        .unwrap();
    // An expired one is not listed, not usable, and is replaced by a new invitation.
    store
        .create_invitation(
            org,
            "late@acme.example",
            Role::Viewer,
            "token-late-000000000000",
            now - Duration::seconds(1),
        )
        .await
        .unwrap();
    let listed = store.invitations(org, Utc::now()).await.unwrap();
    assert_eq!(
        listed.iter().map(|i| i.email.as_str()).collect::<Vec<_>>(),
        ["new@acme.example", outsider.email.as_str()]
    );
    assert!(store
        .invitation_by_token("token-late-000000000000", Utc::now())
        .await
        .unwrap()
        .is_none());
    store
        .create_invitation(
            org,
            "late@acme.example",
            Role::Viewer,
            "token-late-111111111111",
            later,
        )
        .await
        .unwrap();

    let info = store
        .invitation_by_token("token-new-0000000000000", Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (info.email.as_str(), info.org_name.as_str()),
        ("new@acme.example", "Acme")
    );
    let joined = store
        .accept_invitation("token-new-0000000000000", Utc::now(), "hash-new")
        .await
        .unwrap();
    let Some(AcceptedInvitation::Joined(member)) = joined else {
        panic!("{joined:?}");
    };
    assert_eq!((member.org_id, member.role), (org, Role::Viewer));
    assert!(store
        .accept_invitation("token-new-0000000000000", Utc::now(), "hash-again")
        .await
        .unwrap()
        .is_none());
    // The other organization's invitation of that address now meets an address taken.
    assert_eq!(
        store
            .accept_invitation("token-oth-0000000000000", Utc::now(), "hash-x")
            .await
            .unwrap(),
        Some(AcceptedInvitation::EmailTaken("new@acme.example".into()))
    );
    // And the outsider keeps their account and organization.
    assert!(matches!(
        store
            .accept_invitation("token-out-0000000000000", Utc::now(), "hash-y")
            .await
            .unwrap(),
        Some(AcceptedInvitation::EmailTaken(_))
    ));
    let kept = store.member(outsider.id).await.unwrap().unwrap();
    assert_eq!(kept.org_id, outsider.org_id);
    assert_eq!(
        store
            .member_credentials(&outsider.email)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "hash-o"
    );

    // Cancelling is scoped to the organization.
    let late = store.invitations(org, Utc::now()).await.unwrap();
    let late = late
        .iter()
        .find(|i| i.email == "late@acme.example")
        .unwrap()
        .id;
    assert!(!store
        .cancel_invitation(outsider.org_id, late)
        .await
        .unwrap());
    assert!(store.cancel_invitation(org, late).await.unwrap());
    assert!(!store
        .cancel_invitation(org, InvitationId(late.0))
        .await
        .unwrap());
    assert!(store.invitations(org, Utc::now()).await.unwrap().is_empty());
}

on_both_backends!(
    invitations_make_members_once_and_reserve_nothing,
    removed_members_take_their_id_and_sessions_with_them,
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

/// An installation from before migration 0016 keeps its members, their ids and their pending
/// links when `members` is rebuilt, and each member gets a session key of their own.
#[tokio::test]
async fn the_sqlite_members_rebuild_keeps_members_and_their_links() {
    use sqlx::Row;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let mut old = sqlx::migrate::Migrator::new(std::path::Path::new("../migrations/sqlite"))
            .await
            .unwrap();
        old.migrations = old
            .migrations
            .iter()
            .filter(|m| m.version < 16)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        old.run(&pool).await.unwrap();
        for sql in [
            "INSERT INTO organizations (id, slug, name, created_at) VALUES (1, 'acme', 'Acme', '2026-01-01T00:00:00Z')",
            "INSERT INTO members (id, org_id, email, password_hash, role, created_at, session_generation) \
             VALUES (1, 1, 'a@acme.example', 'h1', 'admin', '2026-01-01T00:00:00Z', 2), \
                    (2, 1, 'b@acme.example', 'h2', 'viewer', '2026-01-01T00:00:00Z', 0)",
            "INSERT INTO sign_in_links (member_id, token_hash, created_at, expires_at) \
             VALUES (2, 'hash', '2026-01-01T00:00:00Z', '2999-01-01T00:00:00Z')",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    let store = domain::store::SqliteStore::open(path.to_str().unwrap())
        .await
        .unwrap();
    let a = store
        .member(domain::store::MemberId(1))
        .await
        .unwrap()
        .unwrap();
    let b = store
        .member(domain::store::MemberId(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.email.as_str(), a.session_generation),
        ("a@acme.example", 2)
    );
    assert_eq!((b.email.as_str(), b.role), ("b@acme.example", Role::Viewer));
    assert_eq!(a.session_key.expose().len(), 32);
    assert_ne!(a.session_key, b.session_key);
    let links: Vec<i64> = sqlx::query("SELECT member_id FROM sign_in_links")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(links, [2], "the pending link survives the rebuild");
    // Removing the newest member and adding another does not hand its id out again.
    store.remove_member(a.org_id, b.id).await.unwrap();
    let c = store
        .create_member(a.org_id, "c@acme.example", "h3", Role::Viewer)
        .await
        .unwrap();
    assert_eq!(c.id.0, 3);
}
