//! JSON Canonicalization Scheme (RFC 8785) for the values Rogatory signs and hashes: object
//! members sorted by their UTF-16 code units, no whitespace, strings escaped as ECMAScript's
//! JSON.stringify does. Numbers: integers print as integers; other numbers use the shortest
//! round-trip form, which matches ECMAScript for the magnitudes our documents hold.

use serde_json::Value;

pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

pub fn to_vec(value: &Value) -> Vec<u8> {
    to_string(value).into_bytes()
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            // RFC 8785 §3.2.3: sort by UTF-16 code units, not by bytes.
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write(&map[key], out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_members_and_drops_whitespace() {
        let value = json!({"b": [1, {"z": null, "a": true}], "a": "x", "\u{FB33}": 3, "€": 1, "\u{1F600}": 2});
        // RFC 8785 §3.2.3: U+1F600 is the surrogate pair D83D DE00, so it sorts after U+20AC
        // but before U+FB33, unlike code-point order.
        assert_eq!(
            to_string(&value),
            "{\"a\":\"x\",\"b\":[1,{\"a\":true,\"z\":null}],\"€\":1,\"\u{1F600}\":2,\"\u{FB33}\":3}"
        );
    }

    #[test]
    fn escapes_like_json_stringify() {
        assert_eq!(to_string(&json!("q\"\\\n\u{1f}é/")), "\"q\\\"\\\\\\n\\u001fé/\"");
    }

    #[test]
    fn the_same_value_in_any_member_order_gives_the_same_bytes() {
        let a: Value = serde_json::from_str(r#"{"x":1,"y":{"b":2,"a":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{ "y": { "a": 3, "b": 2 }, "x": 1 }"#).unwrap();
        assert_eq!(to_vec(&a), to_vec(&b));
    }
}
