//! The two shapes every word takes: an id (a number wrapped so ids of different things never
//! mix) and a closed set of words (an enum with its stored form and its label).

/// Declares id newtypes. They serialize as the bare number.
macro_rules! ids {
    ($($(#[$meta:meta])* $name:ident;)+) => {$(
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )+};
}

/// Declares a closed set of words: each variant with its stored form (what the database, URLs
/// and JSON carry) and its label (what a person reads). Gives `ALL` in declaration order (the
/// order screens list them in), `as_str`, `label`, `parse` and `Display` (the stored form).
macro_rules! words {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $value:literal, $label:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $value)] $variant,)+
        }

        impl $name {
            /// Every word, in the order screens list them.
            pub const ALL: [$name; [$($value),+].len()] = [$($name::$variant),+];

            /// The stored form.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value,)+
                }
            }

            /// What a person reads.
            pub const fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// The word whose stored form is `s`, exactly.
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|w| w.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
