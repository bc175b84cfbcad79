//! For tests only (the `testing` feature): a fresh PostgreSQL database on the local server,
//! dropped when its handle is dropped, shared by the domain's store tests and the server's;
//! and a mail server on a loopback port that keeps what it receives ([`MailSink`]).

mod mail_sink;

pub use mail_sink::{MailSink, ReceivedMail};

use sqlx::Connection;

/// The server's maintenance database, where test databases are created and dropped.
/// `TEST_POSTGRES_URL` overrides it.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A new, empty database (no tables); dropped, with any connection still open to it, when
/// this is dropped.
pub struct TestDatabase {
    name: String,
    /// Where to connect to it.
    pub url: String,
}

impl TestDatabase {
    /// Creates the database; panics, naming the address, when PostgreSQL is not reachable.
    pub async fn create() -> TestDatabase {
        let admin = postgres_admin_url();
        let name = format!("dashboard_test_{:016x}", rand::random::<u64>());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is not reachable at {admin}: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("creating the test database {name}: {e}"));
        let _ = conn.close().await;
        let url = match admin.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("TEST_POSTGRES_URL must name a database: {admin}"),
        };
        TestDatabase { name, url }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin, name) = (postgres_admin_url(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block on itself: drop the database
        // from a thread with its own small runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async move {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&sql).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}
