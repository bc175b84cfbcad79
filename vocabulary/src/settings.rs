//! An organization's settings words.

use crate::CoverageKind;

/// The insurance an organization requires its creators to carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageTypes {
    WorkersComp,
    General,
    #[default]
    Both,
}

impl CoverageTypes {
    /// Every choice, in the order the settings page offers them.
    pub const ALL: [CoverageTypes; 3] = [
        CoverageTypes::Both,
        CoverageTypes::WorkersComp,
        CoverageTypes::General,
    ];

    /// The stored form: the coverage kinds, comma-separated (what the coverage fingerprint
    /// of a link takes).
    pub const fn as_str(self) -> &'static str {
        match self {
            CoverageTypes::WorkersComp => "workers-comp",
            CoverageTypes::General => "general",
            CoverageTypes::Both => "general,workers-comp",
        }
    }

    /// What the settings page says.
    pub const fn label(self) -> &'static str {
        match self {
            CoverageTypes::Both => "Both workers' compensation and general liability",
            CoverageTypes::WorkersComp => "Workers' compensation only",
            CoverageTypes::General => "General liability only",
        }
    }

    /// The settings form's value.
    pub const fn form_value(self) -> &'static str {
        match self {
            CoverageTypes::Both => "both",
            CoverageTypes::WorkersComp => "workers-comp",
            CoverageTypes::General => "general",
        }
    }

    /// Each kind of cover it includes, in [`CoverageKind::ALL`] order.
    pub const fn kinds(self) -> &'static [CoverageKind] {
        match self {
            CoverageTypes::WorkersComp => &[CoverageKind::WorkersComp],
            CoverageTypes::General => &[CoverageKind::General],
            CoverageTypes::Both => &[CoverageKind::General, CoverageKind::WorkersComp],
        }
    }

    /// The choice that includes exactly `kinds` (`None` for none).
    pub fn of_kinds(kinds: &[CoverageKind]) -> Option<CoverageTypes> {
        let general = kinds.contains(&CoverageKind::General);
        let workers = kinds.contains(&CoverageKind::WorkersComp);
        match (general, workers) {
            (true, true) => Some(CoverageTypes::Both),
            (true, false) => Some(CoverageTypes::General),
            (false, true) => Some(CoverageTypes::WorkersComp),
            (false, false) => None,
        }
    }

    /// Reads `general`, `workers-comp` or both, comma-separated in any order.
    pub fn parse(s: &str) -> Option<CoverageTypes> {
        let mut kinds = Vec::new();
        for part in s.split(',').map(|p| p.trim().to_ascii_lowercase()) {
            match part.as_str() {
                "general" => kinds.push(CoverageKind::General),
                "workers-comp" => kinds.push(CoverageKind::WorkersComp),
                "" => {}
                _ => return None,
            }
        }
        CoverageTypes::of_kinds(&kinds)
    }
}

impl CoverageTypes {
    /// Reads the settings form's value.
    pub fn from_form_value(value: &str) -> Option<CoverageTypes> {
        CoverageTypes::ALL
            .into_iter()
            .find(|c| c.form_value() == value)
    }
}
