//! Shared test helpers: a running sandbox, an HTTP client, schema validation against the
//! published OpenAPI documents in `reference/`, and an independent implementation of the
//! product's validation rules (PRODUCT.md section 5) used as an oracle over generated data.
#![allow(dead_code)]

pub mod oracle;

use std::path::PathBuf;

use ciq_sandbox::{RunningSandbox, SandboxConfig, PARTNER1_KEY};
use serde_json::{json, Value};

/// Starts a sandbox with `config`.
pub async fn start(config: SandboxConfig) -> RunningSandbox {
    ciq_sandbox::spawn(config).await.expect("sandbox starts")
}

/// A plain client.
pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// GET `path` with partner 1's key; returns (status, body JSON).
pub async fn get_json(sb: &RunningSandbox, path: &str) -> (u16, Value) {
    get_json_key(sb, path, PARTNER1_KEY).await
}

/// GET `path` with `key`; returns (status, body JSON or Null when not JSON).
pub async fn get_json_key(sb: &RunningSandbox, path: &str, key: &str) -> (u16, Value) {
    let r = client()
        .get(format!("{}{}", sb.base_url, path))
        .header("x-api-key", key)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// One published OpenAPI document, converted to JSON.
pub struct Spec {
    doc: Value,
}

fn reference(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("reference")
        .join(file)
}

/// OpenAPI 3.0 `nullable: true` becomes a JSON Schema type union with "null".
fn convert_nullable(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(t)) = m.get("type").cloned() {
                    m.insert("type".into(), json!([t, "null"]));
                }
            }
            for (_, child) in m.iter_mut() {
                convert_nullable(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(convert_nullable),
        _ => {}
    }
}

impl Spec {
    /// Loads `reference/<file>`.
    pub fn load(file: &str) -> Spec {
        let text = std::fs::read_to_string(reference(file)).expect("reference file");
        let mut doc: Value = serde_yaml::from_str(&text).expect("valid YAML");
        if doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.0"))
        {
            convert_nullable(&mut doc);
        }
        Spec { doc }
    }

    fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        while let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let pointer = r.trim_start_matches('#');
            v = self.doc.pointer(pointer).expect("ref resolves");
        }
        v
    }

    /// The JSON schema of `method path -> status` (application/json).
    pub fn response_schema(&self, path: &str, method: &str, status: &str) -> Value {
        let op = &self.doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is in the spec");
        let resp = self.resolve(&op["responses"][status]);
        let schema = &resp["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path} {status} has a JSON schema"
        );
        schema.clone()
    }

    /// The JSON schema of the request body of `method path` (application/json).
    pub fn request_schema(&self, path: &str, method: &str) -> Value {
        let op = &self.doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is in the spec");
        let schema = &self.resolve(&op["requestBody"])["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path} has a JSON request schema"
        );
        schema.clone()
    }

    /// The whole document, as JSON.
    pub fn raw(&self) -> &Value {
        &self.doc
    }

    /// A named component schema.
    pub fn component(&self, name: &str) -> Value {
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    /// Compiles `schema` with the document's components available for `$ref`s.
    /// Formats are annotations (as in JSON Schema 2020-12); additional properties are allowed
    /// because the published schemas do not forbid them (CreatorIQ's tolerant-reader rule).
    pub fn validator(&self, schema: Value) -> jsonschema::Validator {
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.doc["components"],
            "allOf": [schema],
        });
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(false)
            .build(&root)
            .expect("schema compiles")
    }
}

/// Asserts `instance` is valid; lists every error otherwise.
pub fn assert_valid(v: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match the published schema:\n{}",
        errors.join("\n")
    );
}

/// A fixed `today` so data and expectations are reproducible.
pub fn fixed_today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 3, 10).expect("date")
}
