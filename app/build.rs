//! Generates the typed i18n module from `locales/*.json` (leptos_i18n codegen).

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::{error::Error, path::PathBuf};

/// Every locale ScoreNow ships; the first is the fallback for missing keys.
const LOCALES: [&str; 5] = ["en", "nl", "sv", "de", "zh-CN"];

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);

    // `interpolate_display` lets `t_string!` fill in values (error messages, titles).
    let mut config =
        Config::new(LOCALES[0])?.parse_options(ParseOptions::default().interpolate_display(true));
    for locale in &LOCALES[1..] {
        config = config.add_locale(locale)?;
    }
    let translations = TranslationsInfos::parse(config)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(out_dir.join("i18n"))?;
    Ok(())
}
