//! Block Kit as Slack checks it (the documented limits, so the adapter's renderer is tested
//! against them: Slack answers `invalid_blocks` and shows nothing), and reading back what a person
//! would see and press.
//!
//! Problems are worded as Slack's: `must be less than 3001 characters
//! [json-pointer:/blocks/0/text/text]`.

use std::collections::HashSet;

use serde_json::Value;

use super::Call;

/// Blocks in one message, and in one modal or Home tab.
const MAX_MESSAGE_BLOCKS: usize = 50;
const MAX_VIEW_BLOCKS: usize = 100;

/// Problems with a message's `blocks`; empty if Slack would take them.
pub(super) fn check_message_blocks(blocks: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check_blocks(blocks, MAX_MESSAGE_BLOCKS, "/blocks", &mut out);
    out
}

/// Problems with a view (modal or Home tab) at `at` (`/view`); empty if Slack would take it.
pub(super) fn check_view(view: &Value, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    let kind = view["type"].as_str().unwrap_or("");
    if kind != "modal" && kind != "home" {
        out.push(format!("must be modal or home [json-pointer:{at}/type]"));
    }
    if kind == "modal" {
        if view["title"].is_null() {
            out.push(format!("must provide an object [json-pointer:{at}/title]"));
        } else {
            plain_text(&view["title"], 24, &format!("{at}/title"), &mut out);
        }
    }
    for k in ["submit", "close"] {
        if !view[k].is_null() {
            plain_text(&view[k], 24, &format!("{at}/{k}"), &mut out);
        }
    }
    for (k, max) in [
        ("callback_id", 255),
        ("external_id", 255),
        ("private_metadata", 3000),
    ] {
        if let Some(s) = view[k].as_str() {
            max_len(s, max, &format!("{at}/{k}"), &mut out);
        }
    }
    check_blocks(
        &view["blocks"],
        MAX_VIEW_BLOCKS,
        &format!("{at}/blocks"),
        &mut out,
    );
    let has_input = view["blocks"]
        .as_array()
        .is_some_and(|b| b.iter().any(|b| b["type"] == "input"));
    if kind == "modal" && has_input && view["submit"].is_null() {
        out.push(format!(
            "must provide a submit property when using input blocks [json-pointer:{at}/submit]"
        ));
    }
    out
}

fn max_len(s: &str, max: usize, at: &str, out: &mut Vec<String>) {
    if s.chars().count() > max {
        out.push(format!(
            "must be less than {} characters [json-pointer:{at}]",
            max + 1
        ));
    }
}

fn max_items(v: &Value, max: usize, at: &str, out: &mut Vec<String>) {
    if v.as_array().is_some_and(|a| a.len() > max) {
        out.push(format!(
            "no more than {max} items allowed [json-pointer:{at}]"
        ));
    }
}

/// A text object: `plain_text` or `mrkdwn`, non-empty text of at most `max` characters.
fn text_object(t: &Value, max: usize, at: &str, out: &mut Vec<String>) {
    match t["type"].as_str() {
        Some("plain_text" | "mrkdwn") => {}
        _ => {
            out.push(format!(
                "must be plain_text or mrkdwn [json-pointer:{at}/type]"
            ));
            return;
        }
    }
    match t["text"].as_str() {
        None | Some("") => out.push(format!(
            "must be more than 0 characters [json-pointer:{at}/text]"
        )),
        Some(s) => max_len(s, max, &format!("{at}/text"), out),
    }
}

/// A text object that must be `plain_text`.
fn plain_text(t: &Value, max: usize, at: &str, out: &mut Vec<String>) {
    if t["type"].as_str() != Some("plain_text") {
        out.push(format!("must be plain_text [json-pointer:{at}/type]"));
        return;
    }
    text_object(t, max, at, out);
}

fn check_blocks(blocks: &Value, max: usize, at: &str, out: &mut Vec<String>) {
    let Some(list) = blocks.as_array() else {
        if !blocks.is_null() {
            out.push(format!("must be an array [json-pointer:{at}]"));
        }
        return;
    };
    if list.len() > max {
        out.push(format!(
            "no more than {max} items allowed [json-pointer:{at}]"
        ));
    }
    let mut block_ids = HashSet::new();
    for (i, block) in list.iter().enumerate() {
        let at = format!("{at}/{i}");
        if let Some(id) = block["block_id"].as_str() {
            max_len(id, 255, &format!("{at}/block_id"), out);
            if !block_ids.insert(id) {
                out.push(format!(
                    "block_id must be unique [json-pointer:{at}/block_id]"
                ));
            }
        }
        check_block(block, &at, out);
    }
}

fn check_block(block: &Value, at: &str, out: &mut Vec<String>) {
    match block["type"].as_str().unwrap_or("") {
        "section" => {
            let text = &block["text"];
            let fields = &block["fields"];
            if text.is_null() && fields.is_null() {
                out.push(format!("must provide text or fields [json-pointer:{at}]"));
            }
            if !text.is_null() {
                text_object(text, 3000, &format!("{at}/text"), out);
            }
            if let Some(fs) = fields.as_array() {
                max_items(fields, 10, &format!("{at}/fields"), out);
                for (i, f) in fs.iter().enumerate() {
                    text_object(f, 2000, &format!("{at}/fields/{i}"), out);
                }
            }
            if !block["accessory"].is_null() {
                check_element(&block["accessory"], &format!("{at}/accessory"), out);
            }
        }
        "header" => plain_text(&block["text"], 150, &format!("{at}/text"), out),
        "divider" => {}
        "context" => {
            let elements = &block["elements"];
            match elements.as_array() {
                Some(es) if !es.is_empty() => {
                    max_items(elements, 10, &format!("{at}/elements"), out);
                    for (i, e) in es.iter().enumerate() {
                        let at = format!("{at}/elements/{i}");
                        if e["type"] == "image" {
                            check_element(e, &at, out);
                        } else {
                            text_object(e, 3000, &at, out);
                        }
                    }
                }
                _ => out.push(format!(
                    "must provide elements [json-pointer:{at}/elements]"
                )),
            }
        }
        "actions" => {
            let elements = &block["elements"];
            match elements.as_array() {
                Some(es) if !es.is_empty() => {
                    max_items(elements, 25, &format!("{at}/elements"), out);
                    let mut action_ids = HashSet::new();
                    for (i, e) in es.iter().enumerate() {
                        let at = format!("{at}/elements/{i}");
                        if let Some(id) = e["action_id"].as_str()
                            && !action_ids.insert(id)
                        {
                            out.push(format!(
                                "action_id must be unique in the block [json-pointer:{at}/action_id]"
                            ));
                        }
                        check_element(e, &at, out);
                    }
                }
                _ => out.push(format!(
                    "must provide elements [json-pointer:{at}/elements]"
                )),
            }
        }
        "input" => {
            plain_text(&block["label"], 2000, &format!("{at}/label"), out);
            if !block["hint"].is_null() {
                plain_text(&block["hint"], 2000, &format!("{at}/hint"), out);
            }
            if block["element"].is_null() {
                out.push(format!(
                    "must provide an element [json-pointer:{at}/element]"
                ));
            } else {
                check_element(&block["element"], &format!("{at}/element"), out);
            }
        }
        "image" => {
            if block["image_url"].is_null() && block["slack_file"].is_null() {
                out.push(format!(
                    "must provide image_url [json-pointer:{at}/image_url]"
                ));
            }
            if let Some(u) = block["image_url"].as_str() {
                max_len(u, 3000, &format!("{at}/image_url"), out);
            }
            match block["alt_text"].as_str() {
                Some(a) => max_len(a, 2000, &format!("{at}/alt_text"), out),
                None => out.push(format!(
                    "must provide alt_text [json-pointer:{at}/alt_text]"
                )),
            }
            if !block["title"].is_null() {
                plain_text(&block["title"], 2000, &format!("{at}/title"), out);
            }
        }
        "markdown" => match block["text"].as_str() {
            Some(t) => max_len(t, 12_000, &format!("{at}/text"), out),
            None => out.push(format!("must provide text [json-pointer:{at}/text]")),
        },
        // Content the renderer passes through; their inner shape is not checked here.
        "rich_text" | "file" | "video" => {}
        other => out.push(format!(
            "unsupported type: {other:?} [json-pointer:{at}/type]"
        )),
    }
}

fn check_element(e: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(id) = e["action_id"].as_str() {
        max_len(id, 255, &format!("{at}/action_id"), out);
    }
    if !e["placeholder"].is_null() {
        plain_text(&e["placeholder"], 150, &format!("{at}/placeholder"), out);
    }
    let options = |max: usize, out: &mut Vec<String>| {
        let opts = &e["options"];
        max_items(opts, max, &format!("{at}/options"), out);
        for (i, o) in opts.as_array().into_iter().flatten().enumerate() {
            let at = format!("{at}/options/{i}");
            text_object(&o["text"], 75, &format!("{at}/text"), out);
            if let Some(v) = o["value"].as_str() {
                max_len(v, 150, &format!("{at}/value"), out);
            }
        }
    };
    match e["type"].as_str().unwrap_or("") {
        "button" => {
            plain_text(&e["text"], 75, &format!("{at}/text"), out);
            if let Some(v) = e["value"].as_str() {
                max_len(v, 2000, &format!("{at}/value"), out);
            }
            if let Some(u) = e["url"].as_str() {
                max_len(u, 3000, &format!("{at}/url"), out);
            }
            if let Some(style) = e["style"].as_str()
                && style != "primary"
                && style != "danger"
            {
                out.push(format!(
                    "must be primary or danger [json-pointer:{at}/style]"
                ));
            }
        }
        "static_select" | "multi_static_select" => options(100, out),
        "overflow" => options(5, out),
        "radio_buttons" | "checkboxes" => options(10, out),
        "plain_text_input" => {
            if let Some(v) = e["initial_value"].as_str() {
                max_len(v, 3000, &format!("{at}/initial_value"), out);
            }
            if e["max_length"].as_u64().is_some_and(|m| m > 3000) {
                out.push(format!(
                    "must be less than 3001 [json-pointer:{at}/max_length]"
                ));
            }
        }
        "image" if e["alt_text"].as_str().is_none() => {
            out.push(format!(
                "must provide alt_text [json-pointer:{at}/alt_text]"
            ));
        }
        "" => out.push(format!("must provide a type [json-pointer:{at}/type]")),
        // Pickers and inputs without text limits of their own.
        _ => {}
    }
}

/// Everything a person would read in a call: the message `text` (the notification and
/// fallback) followed by every text in its blocks (section text and fields, headers, context,
/// button labels, options), or in its view (title, blocks, submit/close), lines joined by `\n`.
pub fn text_of(call: &Call) -> String {
    let mut out = Vec::new();
    if let Some(t) = call.body["text"].as_str().filter(|t| !t.is_empty()) {
        out.push(t.to_string());
    }
    collect_text(&call.body["blocks"], &mut out);
    collect_text(&call.body["view"], &mut out);
    out.join("\n")
}

/// Every text inside a Block Kit value (blocks, a view, a message), in reading order.
pub fn text_in(v: &Value) -> String {
    let mut out = Vec::new();
    collect_text(v, &mut out);
    out.join("\n")
}

/// Keys visited first, in the order a person reads a block (serde_json's maps are sorted).
const READING_ORDER: [&str; 9] = [
    "title",
    "text",
    "label",
    "fields",
    "elements",
    "element",
    "accessory",
    "blocks",
    "submit",
];

/// Keys that hold no text a person reads (ids, payloads for the app, input state).
const NOT_READ: [&str; 7] = [
    "action_id",
    "block_id",
    "value",
    "private_metadata",
    "callback_id",
    "state",
    "url",
];

fn collect_text(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            let first = READING_ORDER.iter().filter_map(|k| map.get_key_value(*k));
            let rest = map
                .iter()
                .filter(|(k, _)| !READING_ORDER.contains(&k.as_str()));
            for (k, child) in first.chain(rest) {
                if NOT_READ.contains(&k.as_str()) {
                    continue;
                }
                match child {
                    Value::String(s) if k == "text" => out.push(s.clone()),
                    _ => collect_text(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_text(i, out)),
        _ => {}
    }
}

/// `(action_id, value, text)` of every button in the call's blocks (or view), in order;
/// `value` is `""` when the button has none.
pub fn buttons_of(call: &Call) -> Vec<(String, String, String)> {
    let mut all = buttons_in(&call.body["blocks"]);
    all.extend(buttons_in(&call.body["view"]["blocks"]));
    all
}

/// `(action_id, value, text)` of every button in `blocks`, in order.
pub(super) fn buttons_in(blocks: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for_each_button(blocks, &mut |_, b| {
        let s = |v: &Value| v.as_str().unwrap_or("").to_string();
        out.push((s(&b["action_id"]), s(&b["value"]), s(&b["text"]["text"])));
    });
    out
}

/// The block id and the button with `action_id`, if the blocks hold one.
pub(super) fn find_button(blocks: &Value, action_id: &str) -> Option<(String, Value)> {
    let mut found = None;
    for_each_button(blocks, &mut |block_id, b| {
        if found.is_none() && b["action_id"].as_str() == Some(action_id) {
            found = Some((block_id.to_string(), b.clone()));
        }
    });
    found
}

fn for_each_button(blocks: &Value, f: &mut impl FnMut(&str, &Value)) {
    for (i, block) in blocks.as_array().into_iter().flatten().enumerate() {
        // Slack fills in a block id the message did not give.
        let block_id = block["block_id"]
            .as_str()
            .map_or_else(|| format!("mock-block-{i}"), str::to_string);
        let accessory = std::iter::once(&block["accessory"]);
        let elements = block["elements"].as_array().into_iter().flatten();
        for e in accessory.chain(elements) {
            if e["type"] == "button" {
                f(&block_id, e);
            }
        }
    }
}
