//! What a ticket recommends and where the recommendation comes from: the
//! vocabulary Secure Score's actions and tickets share.

use serde::{Deserialize, Serialize};

/// An action's category; values Graph may add later are kept as they came.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Category {
    Identity,
    Data,
    Device,
    Apps,
    Infrastructure,
    Other(String),
}

impl Category {
    /// The five categories of the product, in display order.
    pub const KNOWN: [Category; 5] = [
        Category::Identity,
        Category::Data,
        Category::Device,
        Category::Apps,
        Category::Infrastructure,
    ];

    /// Graph's value, in any casing (`Devices` too).
    pub fn parse(value: &str) -> Self {
        match value.trim().to_ascii_lowercase().as_str() {
            "identity" => Category::Identity,
            "data" => Category::Data,
            "device" | "devices" => Category::Device,
            "apps" | "app" => Category::Apps,
            "infrastructure" => Category::Infrastructure,
            _ => Category::Other(value.trim().to_owned()),
        }
    }

    /// The value used in URLs and Graph's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Category::Identity => "Identity",
            Category::Data => "Data",
            Category::Device => "Device",
            Category::Apps => "Apps",
            Category::Infrastructure => "Infrastructure",
            Category::Other(value) => value,
        }
    }
}

named_enum! {
    /// Where a recommendation comes from; named so in URLs and storage.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum Source {
        /// An improvement action of Microsoft Secure Score.
        Microsoft = "microsoft",
        /// Written by a ScoreNow user (`/tickets/new`).
        User = "user",
    }
}
