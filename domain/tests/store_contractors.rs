//! The contractors list queries against a real SQLite file and a real PostgreSQL database, each
//! holding 100,000 rows for one organization: pages, counts and filters return the right rows and never another
//! organization's. Timings are printed (`--nocapture`) for reference only; a shared CI machine is
//! too noisy for time limits in a test.

use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::store::{
    ContractorFilter, ContractorPageRequest, ContractorSort, ContractorStatus, OrgId, PgStore,
    SqliteStore, Store,
};
use domain::testing::TestDatabase;

/// Rows and campaigns of the big organization: 100,000 over 2,000 on SQLite, the embedded
/// default whose figures the list was tuned on; a fifth of that on PostgreSQL, which holds the
/// same behaviour without a suite that waits minutes for its inserts.
fn size(backend: Backend) -> (i64, i64) {
    match backend {
        Backend::Sqlite => (100_000, 2_000),
        Backend::Postgres => (20_000, 400),
    }
}

/// Fills `$tx` (a transaction of either backend) with the two organizations' campaigns and
/// rows, several rows per statement.
macro_rules! seed {
    ($tx:expr, $big:expr, $other:expr, $size:expr, $db:ty) => {{
        let (big, other) = ($big, $other);
        let (n_rows, n_campaigns) = $size;
        let now = chrono::Utc::now();
        for (org, campaigns) in [(big, n_campaigns), (other, 2)] {
            let ids: Vec<i64> = (0..campaigns).collect();
            for chunk in ids.chunks(500) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO campaigns (org_id, ciq_campaign_id, name, sync_state, \
                     last_attempt_at) ",
                );
                q.push_values(chunk, |mut b, c| {
                    b.push_bind(org.0)
                        .push_bind(900_000 + c)
                        .push_bind(format!("Campaign {c:04}"))
                        .push_bind("ok")
                        .push_bind(now);
                });
                q.build().execute(&mut *$tx).await.unwrap();
            }
        }
        let insert = |org: OrgId, n: i64, name: String, status: &'static str| {
            let email = format!("creator{n}@example.com");
            let search = format!("{name} {email}").to_lowercase();
            let sort = name.to_lowercase();
            (org, n, name, email, search, sort, status)
        };
        let mut rows = Vec::with_capacity(n_rows as usize + 10);
        for n in 0..n_rows {
            // 80% synced, the rest spread over the other statuses, like a real organization.
            let status = match n % 20 {
                0..=15 => "synced",
                16 | 17 => "needs_attention",
                18 => "exempt",
                _ => ["not_accepted", "error", "removed"][(n / 20 % 3) as usize],
            };
            rows.push(insert(big, n, format!("Creator {n:06}"), status));
        }
        for n in 0..10 {
            rows.push(insert(other, n, format!("Outsider {n}"), "synced"));
        }
        for chunk in rows.chunks(400) {
            let mut q = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO contractors (org_id, ciq_campaign_id, ciq_publisher_id, status, \
                 creator_name, email, search_text, sort_name, content_hash, first_seen_at, \
                 updated_at) ",
            );
            q.push_values(
                chunk,
                |mut b, (org, n, name, email, search, sort, status)| {
                    let at = now - chrono::Duration::seconds(*n);
                    b.push_bind(org.0)
                        .push_bind(900_000 + n % if *org == big { n_campaigns } else { 2 })
                        .push_bind(5_000_000 + n)
                        .push_bind(*status)
                        .push_bind(name.clone())
                        .push_bind(email.clone())
                        .push_bind(search.clone())
                        .push_bind(sort.clone())
                        .push_bind("h")
                        .push_bind(at)
                        .push_bind(at);
                },
            );
            q.build().execute(&mut *$tx).await.unwrap();
        }
        // When a sync last saw each row (migration 0015): as the sync writes it.
        sqlx::query(
            "INSERT INTO contractor_seen (contractor_id, org_id, status, last_synced_at) \
             SELECT id, org_id, status, updated_at FROM contractors",
        )
        .execute(&mut *$tx)
        .await
        .unwrap();
    }};
}

/// [`size`] rows of one organization and 10 of another, on a store of `backend`.
struct Seeded {
    store: Arc<dyn Store>,
    rows: i64,
    campaigns: i64,
    big: OrgId,
    other: OrgId,
    _dir: Option<tempfile::TempDir>,
    _postgres: Option<TestDatabase>,
}

async fn organizations(store: &dyn Store) -> (OrgId, OrgId) {
    let big = store
        .create_organization("big", "Big Agency")
        .await
        .unwrap();
    let other = store.create_organization("other", "Other").await.unwrap();
    (big.id, other.id)
}

async fn seeded(backend: Backend) -> Seeded {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("store.db");
            let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
            let (big, other) = organizations(&store).await;
            let mut tx = store.pool().begin().await.unwrap();
            seed!(tx, big, other, size(backend), sqlx::Sqlite);
            tx.commit().await.unwrap();
            Seeded {
                store: Arc::new(store),
                rows: size(backend).0,
                campaigns: size(backend).1,
                big,
                other,
                _dir: Some(dir),
                _postgres: None,
            }
        }
        Backend::Postgres => {
            let db = TestDatabase::create().await;
            let store = PgStore::open(&db.url).await.unwrap();
            let (big, other) = organizations(&store).await;
            let mut tx = store.pool().begin().await.unwrap();
            seed!(tx, big, other, size(backend), sqlx::Postgres);
            tx.commit().await.unwrap();
            // Fresh statistics, as a server that has been running has.
            sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
            Seeded {
                store: Arc::new(store),
                rows: size(backend).0,
                campaigns: size(backend).1,
                big,
                other,
                _dir: None,
                _postgres: Some(db),
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `f` a few times and returns the best time: the figure a warm server sees.
async fn best_of<T, F, Fut>(mut f: F) -> (T, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..5 {
        let start = Instant::now();
        let value = f().await;
        best = best.min(start.elapsed());
        out = Some(value);
    }
    (out.unwrap(), best)
}

fn page(
    filter: ContractorFilter,
    sort: ContractorSort,
    descending: bool,
    offset: u64,
) -> ContractorPageRequest {
    ContractorPageRequest {
        filter,
        sort,
        descending,
        offset,
        limit: Some(50),
    }
}

async fn list_queries_at_100k_rows(backend: Backend) {
    let seeded = seeded(backend).await;
    let (store, big) = (seeded.store.clone(), seeded.big);
    let (n_rows, n_campaigns) = (seeded.rows, seeded.campaigns);

    let (counts, t) = best_of(|| store.contractor_status_counts(big)).await;
    let counts = counts.unwrap();
    assert_eq!(counts.total(), n_rows as u64);
    eprintln!("status counts (whole org): {t:?}");

    let everything = ContractorFilter::default();
    let (tab_counts, t) = best_of(|| store.contractor_filter_counts(big, &everything)).await;
    assert_eq!(tab_counts.unwrap(), counts);
    eprintln!("tab counts (no filter): {t:?}");

    let cases = [
        (
            "synced, by name, page 1",
            page(
                ContractorFilter {
                    status: Some(ContractorStatus::Synced),
                    ..Default::default()
                },
                ContractorSort::Name,
                false,
                0,
            ),
        ),
        (
            "synced, by name, last page",
            page(
                ContractorFilter {
                    status: Some(ContractorStatus::Synced),
                    ..Default::default()
                },
                ContractorSort::Name,
                false,
                (n_rows * 8 / 10 - 50) as u64,
            ),
        ),
        (
            "needs attention, last synced desc",
            page(
                ContractorFilter {
                    status: Some(ContractorStatus::NeedsAttention),
                    ..Default::default()
                },
                ContractorSort::LastSynced,
                true,
                50,
            ),
        ),
        (
            "all, by campaign",
            page(
                ContractorFilter::default(),
                ContractorSort::Campaign,
                false,
                1_000,
            ),
        ),
        (
            "all, by status desc",
            page(ContractorFilter::default(), ContractorSort::Status, true, 0),
        ),
        (
            "one campaign, synced",
            page(
                ContractorFilter {
                    status: Some(ContractorStatus::Synced),
                    campaign: Some(900_007),
                    ..Default::default()
                },
                ContractorSort::Name,
                false,
                0,
            ),
        ),
        (
            "search",
            page(
                ContractorFilter {
                    search: Some(format!("creator{}@", n_rows - 1)),
                    ..Default::default()
                },
                ContractorSort::Name,
                false,
                0,
            ),
        ),
    ];
    for (what, request) in &cases {
        let (result, t) = best_of(|| store.contractor_page(big, request)).await;
        let result = result.unwrap();
        eprintln!(
            "{what}: {} rows of {} in {t:?}",
            result.rows.len(),
            result.total
        );
        assert!(!result.rows.is_empty(), "{what} returned nothing");
        assert!(result.rows.iter().all(|r| r.contractor.org_id == big));
    }

    let filter = ContractorFilter {
        campaign: Some(900_007),
        search: Some("creator".into()),
        ..Default::default()
    };
    let (tab_counts, t) = best_of(|| store.contractor_filter_counts(big, &filter)).await;
    eprintln!("tab counts (campaign + search): {t:?}");
    assert_eq!(tab_counts.unwrap().total(), (n_rows / n_campaigns) as u64);
}

async fn filters_sort_and_scope(backend: Backend) {
    let seeded = seeded(backend).await;
    let (store, big, other) = (seeded.store.clone(), seeded.big, seeded.other);
    let n_rows = seeded.rows;

    // Every page, whichever end of the index it is read from, is the matching slice of the
    // whole ordered list (pages in the second half are read backwards).
    for (filter, sort, descending) in [
        (ContractorFilter::default(), ContractorSort::Name, false),
        (
            ContractorFilter::default(),
            ContractorSort::LastSynced,
            true,
        ),
        (
            ContractorFilter {
                status: Some(ContractorStatus::Error),
                ..Default::default()
            },
            ContractorSort::LastSynced,
            false,
        ),
        (
            ContractorFilter {
                search: Some("creator 001".into()),
                ..Default::default()
            },
            ContractorSort::LastSynced,
            true,
        ),
        (
            ContractorFilter {
                status: Some(ContractorStatus::NeedsAttention),
                ..Default::default()
            },
            ContractorSort::Campaign,
            true,
        ),
        // Deep pages by campaign start at their campaign, found from the stored counts.
        (ContractorFilter::default(), ContractorSort::Campaign, false),
        (
            ContractorFilter {
                status: Some(ContractorStatus::Synced),
                ..Default::default()
            },
            ContractorSort::Campaign,
            true,
        ),
        (
            ContractorFilter {
                search: Some("creator 001".into()),
                ..Default::default()
            },
            ContractorSort::Status,
            false,
        ),
    ] {
        let all = store
            .contractor_page(
                big,
                &ContractorPageRequest {
                    limit: None,
                    ..page(filter.clone(), sort, descending, 0)
                },
            )
            .await
            .unwrap();
        let ids: Vec<_> = all.rows.iter().map(|r| r.contractor.id).collect();
        assert!(ids.len() > 100, "{filter:?}: {}", ids.len());
        if sort == ContractorSort::LastSynced {
            let times: Vec<_> = all
                .rows
                .iter()
                .map(|r| r.contractor.last_synced_at)
                .collect();
            assert!(
                times.iter().all(Option::is_some),
                "{filter:?}: a row never synced"
            );
            let mut ordered = times.clone();
            ordered.sort();
            if descending {
                ordered.reverse();
            }
            assert_eq!(times, ordered, "{filter:?}: not in last-synced order");
        }
        let last = (ids.len() as u64 - 1) / 50 * 50;
        for offset in [0, 50, last / 2, last / 2 + 50, last - 50, last, last + 50] {
            let got = store
                .contractor_page(big, &page(filter.clone(), sort, descending, offset))
                .await
                .unwrap();
            let want: Vec<_> = ids.iter().skip(offset as usize).take(50).copied().collect();
            let got: Vec<_> = got.rows.iter().map(|r| r.contractor.id).collect();
            assert_eq!(
                got, want,
                "{filter:?} {sort:?} desc={descending} offset={offset}"
            );
        }
    }

    // A search reads its own organization's rows only: the other organization's creators
    // share these emails (creator0..9@example.com).
    for (org, want) in [(big, n_rows as u64), (other, 10)] {
        let found = store
            .contractor_page(
                org,
                &page(
                    ContractorFilter {
                        search: Some("@example.com".into()),
                        ..Default::default()
                    },
                    ContractorSort::Name,
                    false,
                    0,
                ),
            )
            .await
            .unwrap();
        assert_eq!(found.total, want);
        assert!(found.rows.iter().all(|r| r.contractor.org_id == org));
    }

    // Search matches name or email, case-insensitively; LIKE wildcards are literal.
    let found = store
        .contractor_page(
            big,
            &page(
                ContractorFilter {
                    search: Some("CREATOR12345@".into()),
                    ..Default::default()
                },
                ContractorSort::Name,
                false,
                0,
            ),
        )
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(
        found.rows[0].contractor.creator_name.as_deref(),
        Some("Creator 012345")
    );
    assert_eq!(
        found.rows[0].contractor.campaign_name.as_deref(),
        Some("Campaign 0345")
    );
    let wildcard = store
        .contractor_page(
            big,
            &page(
                ContractorFilter {
                    search: Some("%".into()),
                    ..Default::default()
                },
                ContractorSort::Name,
                false,
                0,
            ),
        )
        .await
        .unwrap();
    assert_eq!(wildcard.total, 0);

    // A campaign's name finds its rows, in either sort (sorted by last synced the rows are
    // read through another table); a CreatorIQ creator id finds that creator, in this
    // organization only (the other one has creators 5000000..5000009 too); digits also match
    // names.
    let search = |term: &str, sort: ContractorSort| {
        page(
            ContractorFilter {
                search: Some(term.into()),
                ..Default::default()
            },
            sort,
            false,
            0,
        )
    };
    let in_campaign = (0..n_rows).filter(|n| n % seeded.campaigns == 345).count() as u64;
    for sort in [ContractorSort::Name, ContractorSort::LastSynced] {
        let found = store
            .contractor_page(big, &search("campaign 0345", sort))
            .await
            .unwrap();
        assert_eq!(found.total, in_campaign, "{sort:?}");
        assert!(found
            .rows
            .iter()
            .all(|r| r.contractor.campaign_name.as_deref() == Some("Campaign 0345")));
    }
    for term in ["5000003", "#5000003", " 5000003 "] {
        let found = store
            .contractor_page(big, &search(term, ContractorSort::Name))
            .await
            .unwrap();
        assert_eq!(found.total, 1, "{term:?}");
        assert_eq!(found.rows[0].contractor.ciq_publisher_id, 5_000_003);
        assert_eq!(found.rows[0].contractor.org_id, big);
    }
    let by_digits = store
        .contractor_page(big, &search("012345", ContractorSort::Name))
        .await
        .unwrap();
    assert_eq!(by_digits.total, 1);
    assert_eq!(
        by_digits.rows[0].contractor.creator_name.as_deref(),
        Some("Creator 012345")
    );

    // Pages follow each other without overlap, in both directions.
    let first = store
        .contractor_page(
            big,
            &page(ContractorFilter::default(), ContractorSort::Name, true, 0),
        )
        .await
        .unwrap();
    let second = store
        .contractor_page(
            big,
            &page(ContractorFilter::default(), ContractorSort::Name, true, 50),
        )
        .await
        .unwrap();
    assert_eq!(first.rows.len(), 50);
    assert_eq!(
        first.rows[0].contractor.creator_name.as_deref(),
        Some(format!("Creator {:06}", n_rows - 1).as_str())
    );
    assert_eq!(
        second.rows[0].contractor.creator_name.as_deref(),
        Some(format!("Creator {:06}", n_rows - 51).as_str())
    );

    // The other organization sees only its own ten rows and campaigns.
    let theirs = store
        .contractor_page(
            other,
            &ContractorPageRequest {
                limit: None,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(theirs.total, 10);
    assert!(theirs.rows.iter().all(|r| r.contractor.org_id == other));
    assert_eq!(store.contractor_campaigns(other).await.unwrap().len(), 2);
    let theirs_filtered = store
        .contractor_page(
            other,
            &page(
                ContractorFilter {
                    search: Some("Creator 000001".into()),
                    ..Default::default()
                },
                ContractorSort::Name,
                false,
                0,
            ),
        )
        .await
        .unwrap();
    assert_eq!(theirs_filtered.total, 0);
    assert_eq!(
        store
            .contractor_filter_counts(other, &ContractorFilter::default())
            .await
            .unwrap()
            .total(),
        10
    );
}

/// One test per backend for each named `async fn(Backend)`: `sqlite::name`, `postgres::name`.
macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Backend::Sqlite).await
            })+
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Backend::Postgres).await
            })+
        }
    };
}

on_both_backends!(list_queries_at_100k_rows, filters_sort_and_scope);
