//! What the server writes at start-up, at debug level, holds no secret from its configuration:
//! not the database password (in the URL's user part or its `?password=`), not the SMTP
//! password.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestDatabase;

#[tokio::test]
async fn the_start_up_log_at_debug_level_shows_no_secret() {
    const DB_SECRET: &str = "db-Secret-4f1c";
    const SMTP_SECRET: &str = "smtp-Secret-9a7e";
    let db = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    // Trust authentication ignores the password, so the server starts with it in the URL.
    let url = format!("{}?password={DB_SECRET}&application_name=cover", db.url);
    let url = url.replacen(
        "postgres://postgres@",
        &format!("postgres://postgres:{DB_SECRET}@"),
        1,
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_dashboard"))
        .arg("serve")
        .env("RUST_LOG", "debug")
        .env("DATABASE_URL", &url)
        .env("DASHBOARD_ADDR", "127.0.0.1:0")
        .env("MASTER_KEY_FILE", dir.path().join("master.key"))
        .env("SMTP_HOST", "127.0.0.1")
        .env("SMTP_PORT", "2525")
        .env("SMTP_TLS", "none")
        .env("SMTP_USERNAME", "alerts")
        .env("SMTP_PASSWORD", SMTP_SECRET)
        .env("SMTP_FROM", "alerts@cover.example")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Both streams, line by line, until the server says it listens (or 60 s).
    let (lines, received) = std::sync::mpsc::channel::<String>();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
    }
    drop(lines);
    let started = Instant::now();
    let mut log = String::new();
    while started.elapsed() < Duration::from_secs(60) && !log.contains("dashboard listening") {
        match received.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                log.push_str(&line);
                log.push('\n');
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    log.extend(received.try_iter().map(|l| l + "\n"));
    assert!(log.contains("starting"), "no start-up line:\n{log}");
    assert!(
        log.contains("dashboard listening"),
        "the server did not start:\n{log}"
    );
    assert!(log.contains("••••"), "{log}");
    for secret in [DB_SECRET, SMTP_SECRET] {
        assert!(
            !log.contains(secret),
            "{secret} is in the start-up log:\n{log}"
        );
    }
}
