//! The client's own unit tests (the contract is tested over HTTP in domain/tests).

use super::*;

fn client(config: CreatorIqConfig) -> CreatorIqClient {
    let key = ApiKey::parse("sk_test_abcdefgh1234").unwrap();
    CreatorIqClient::new(config, key).unwrap()
}

#[test]
fn debug_hides_the_key() {
    let c = client(CreatorIqConfig::default());
    let shown = format!("{c:?}");
    assert!(shown.contains("ApiKey(••••1234)"), "{shown}");
    assert!(!shown.contains("sk_test_abcdefgh"));
}

#[test]
fn base_url_is_checked_and_normalised() {
    let key = ApiKey::parse("sk_test_abcdefgh1234").unwrap();
    for bad in ["", "apis.creatoriq.com", "ftp://x", "not a url"] {
        let config = CreatorIqConfig {
            base_url: bad.into(),
            ..CreatorIqConfig::default()
        };
        assert!(matches!(
            CreatorIqClient::new(config, key.clone()),
            Err(CiqError::InvalidBaseUrl(_))
        ));
    }
    let c = client(CreatorIqConfig {
        base_url: " http://127.0.0.1:9/ ".into(),
        ..CreatorIqConfig::default()
    });
    assert_eq!(c.base_url(), "http://127.0.0.1:9");
}

#[test]
fn backoff_grows_and_is_capped() {
    let c = client(CreatorIqConfig {
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_millis(1000),
        ..CreatorIqConfig::default()
    });
    for _ in 0..50 {
        let first = c.backoff(1);
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
        let third = c.backoff(3);
        assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
        let late = c.backoff(30);
        assert!(late >= Duration::from_millis(500) && late <= Duration::from_millis(1000));
    }
}

#[test]
fn error_messages_are_plain_words() {
    let e = CiqError::NotFound {
        what: "campaign 7".into(),
        message: Some("Supplied ID was not found".into()),
    };
    assert_eq!(
        e.to_string(),
        "CreatorIQ has no campaign 7 (CreatorIQ said: \"Supplied ID was not found\"). It may \
         have been deleted or belong to another CreatorIQ account."
    );
    assert!(CiqError::Unauthorized
        .to_string()
        .contains("Organization > Settings"));
    assert!(CiqError::RateLimited { attempts: 5 }
        .to_string()
        .contains("5 attempts"));
    assert!(CiqError::Forbidden.is_auth());
    assert!(CiqError::ServerError {
        status: 502,
        attempts: 3
    }
    .is_transient());
}
