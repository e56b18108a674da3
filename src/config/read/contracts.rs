//! `[pricing]` (the price list: `currency`, `hourly_rate`, `overage_rate`, `discounts` per block
//! size) and `[contracts]` (`alert_thresholds`, `expiry_warning_days`). Each mistake names its
//! own line; the default stands in for it.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::Checker;
use crate::contracts::{Pricing, Settings, parse_amount};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct PricingFile {
    currency: Option<Spanned<String>>,
    hourly_rate: Option<Spanned<toml::Value>>,
    overage_rate: Option<Spanned<toml::Value>>,
    /// Block size in hours → percent off (`discounts = { 20 = 5, 50 = 10, 100 = 15 }`).
    #[serde(default)]
    discounts: BTreeMap<String, Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct ContractsFile {
    alert_thresholds: Option<Spanned<Vec<toml::Value>>>,
    expiry_warning_days: Option<Spanned<toml::Value>>,
}

fn amount(c: &mut Checker, v: &Option<Spanned<toml::Value>>, field: &str) -> Option<i64> {
    let v = v.as_ref()?;
    let text = match v.get_ref() {
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(f) => format!("{f:.2}"),
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match parse_amount(&text) {
        Ok(cents) => Some(cents),
        Err(e) => {
            c.at(v.span().start, field, e);
            None
        }
    }
}

pub(super) fn pricing(c: &mut Checker, raw: Option<&Spanned<PricingFile>>) -> Pricing {
    let mut p = Pricing::default();
    let Some(raw) = raw else { return p };
    let f = raw.get_ref();
    if let Some(cur) = &f.currency {
        let s = cur.get_ref().trim();
        if s.is_empty() || s.len() > 8 || !s.chars().all(|ch| ch.is_ascii_alphabetic()) {
            c.at(
                cur.span().start,
                "pricing.currency",
                format!("`{s}` is not a currency code (like PLN, EUR, USD)"),
            );
        } else {
            p.currency = s.to_uppercase();
        }
    }
    p.hourly_rate_cents = amount(c, &f.hourly_rate, "pricing.hourly_rate");
    p.overage_rate_cents = amount(c, &f.overage_rate, "pricing.overage_rate");
    for (hours, v) in &f.discounts {
        let field = format!("pricing.discounts.{hours}");
        let Ok(h) = hours.trim().parse::<i64>() else {
            c.at(
                v.span().start,
                &field,
                format!("`{hours}` is not a block size in hours (write discounts = {{ 20 = 5, 50 = 10 }})"),
            );
            continue;
        };
        match v.get_ref().as_integer() {
            Some(d) if (0..=100).contains(&d) && h > 0 => p.discounts.push((h, d as u8)),
            _ => c.at(
                v.span().start,
                &field,
                format!(
                    "`{}` is not a discount in percent from 0 to 100",
                    v.get_ref()
                ),
            ),
        }
    }
    p.discounts.sort_unstable();
    p
}

pub(super) fn settings(c: &mut Checker, raw: Option<&Spanned<ContractsFile>>) -> Settings {
    let mut s = Settings::default();
    let Some(raw) = raw else { return s };
    let f = raw.get_ref();
    if let Some(t) = &f.alert_thresholds {
        let mut out = vec![];
        for v in t.get_ref() {
            match v.as_integer() {
                Some(n) if (1..=100).contains(&n) => out.push(n as u8),
                _ => {
                    c.at(
                        t.span().start,
                        "contracts.alert_thresholds",
                        format!("`{v}` is not a percentage from 1 to 100 (write [80, 100])"),
                    );
                    out.clear();
                    break;
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        s.thresholds = out;
    }
    if let Some(d) = &f.expiry_warning_days {
        match d.get_ref().as_integer() {
            Some(n) if (0..=365).contains(&n) => s.expiry_warning_days = n as u32,
            _ => c.at(
                d.span().start,
                "contracts.expiry_warning_days",
                format!("`{}` is not a number of days from 0 to 365", d.get_ref()),
            ),
        }
    }
    s
}
