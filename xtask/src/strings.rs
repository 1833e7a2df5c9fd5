//! `cargo xtask strings [--check]`: the apps' string tables (one per language, read by the
//! shared Compose UI from `android/ui/src/main/resources/strings/<lang>.properties`) generate
//! the iOS `Localizable.strings` and Android's `strings.xml`, so no platform keeps its own copy.
//! `--check` fails when a generated file is missing or differs (run by `cargo xtask test`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::Result;

/// The languages the apps ship; the first is the source language.
const LANGUAGES: [&str; 2] = ["en", "es"];

/// One language's table: key -> text, in file order.
type Table = Vec<(String, String)>;

/// Reads a table: UTF-8 `key = value` lines, `#` comments, `\n` for a line break (the same
/// rules as `org.lantern.ui.Strings.parse`).
fn parse(path: &Path) -> Result<Table> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out: Table = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let (key, value) = l
            .split_once('=')
            .ok_or_else(|| format!("{}:{}: expected key = value", path.display(), i + 1))?;
        let key = key.trim().to_string();
        if out.iter().any(|(k, _)| *k == key) {
            return Err(format!("{}:{}: duplicate key {key}", path.display(), i + 1));
        }
        out.push((key, value.trim().replace("\\n", "\n")));
    }
    Ok(out)
}

/// The placeholders of a text in index order: (index, conversion), e.g. (1, "d"), (2, ".1f").
fn placeholders(text: &str) -> std::result::Result<Vec<(u32, String)>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('%') {
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            rest = tail;
            continue;
        }
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        let spec_start = digits.len() + 1;
        if digits.is_empty() || !after[digits.len()..].starts_with('$') {
            return Err(format!(
                "placeholder without an index (use %1$s, %1$d, ...) in: {text}"
            ));
        }
        let spec: String = after[spec_start..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let conv = after[spec_start + spec.len()..]
            .chars()
            .next()
            .ok_or_else(|| format!("unfinished placeholder in: {text}"))?;
        if !matches!(conv, 's' | 'd' | 'f') {
            return Err(format!(
                "unsupported placeholder %{digits}${spec}{conv} in: {text}"
            ));
        }
        let index: u32 = digits
            .parse()
            .map_err(|_| format!("bad index in: {text}"))?;
        out.push((index, format!("{spec}{conv}")));
        rest = &after[spec_start + spec.len() + 1..];
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn ui_dir() -> PathBuf {
    crate::root().join("android/ui")
}

fn read_tables() -> Result<BTreeMap<&'static str, Table>> {
    let mut tables = BTreeMap::new();
    for lang in LANGUAGES {
        tables.insert(
            lang,
            parse(
                &ui_dir()
                    .join("src/main/resources/strings")
                    .join(format!("{lang}.properties")),
            )?,
        );
    }
    Ok(tables)
}

/// Every generated file with its content.
fn generate() -> Result<Vec<(PathBuf, String)>> {
    let tables = read_tables()?;
    let source = &tables[LANGUAGES[0]];
    for (lang, table) in &tables {
        let keys: Vec<&String> = table.iter().map(|(k, _)| k).collect();
        let source_keys: Vec<&String> = source.iter().map(|(k, _)| k).collect();
        if keys != source_keys {
            return Err(format!(
                "strings/{lang}.properties: keys differ from the English table (same keys, same order)"
            ));
        }
        for ((key, text), (_, en)) in table.iter().zip(source) {
            if placeholders(text)? != placeholders(en)? {
                return Err(format!(
                    "strings/{lang}.properties: {key}: placeholders differ from English"
                ));
            }
        }
    }
    let ios_keys = parse(&ui_dir().join("ios-keys.properties"))?;
    let mut files = Vec::new();
    for (lang, table) in &tables {
        let text_of = |key: &str| {
            table
                .iter()
                .find(|(k, _)| k == key || *k == format!("{key}.other"))
                .map(|(_, v)| v.as_str())
        };
        files.push((
            crate::root().join(format!(
                "ios/App/Resources/{lang}.lproj/Localizable.strings"
            )),
            ios_strings(lang, &ios_keys, text_of)?,
        ));
        let dir = if *lang == LANGUAGES[0] {
            "values".to_string()
        } else {
            format!("values-{lang}")
        };
        files.push((
            crate::root().join(format!("android/app/src/main/res/{dir}/strings.xml")),
            android_strings(lang, table)?,
        ));
    }
    Ok(files)
}

const GENERATED: &str =
    "Generated by `cargo xtask strings` from android/ui/src/main/resources/strings: do not edit.";

fn ios_strings<'a>(
    lang: &str,
    ios_keys: &Table,
    text_of: impl Fn(&str) -> Option<&'a str>,
) -> Result<String> {
    let mut out = format!(
        "/* {GENERATED}\n   Language: {lang}. Keys as the SwiftUI sources spell them (android/ui/ios-keys.properties). */\n\n"
    );
    for (ios_key, shared) in ios_keys {
        let text = text_of(shared)
            .ok_or_else(|| format!("ios-keys.properties: {ios_key}: no string {shared}"))?;
        let spec: Vec<String> = placeholders(text)?
            .into_iter()
            .map(|(_, c)| ios_conversion(&c))
            .collect();
        let key_spec: Vec<String> = ios_key
            .split(' ')
            .skip(1)
            .map(|s| s.trim_start_matches('%').to_string())
            .collect();
        if spec != key_spec {
            return Err(format!(
                "ios-keys.properties: {ios_key}: the key's specifiers {key_spec:?} do not match {shared}'s placeholders {spec:?}"
            ));
        }
        let mut value = text.to_string();
        for (i, c) in placeholders(text)? {
            value = value.replace(
                &format!("%{i}${c}"),
                &format!("%{i}${}", ios_conversion(&c)),
            );
        }
        out.push_str(&format!(
            "\"{}\" = \"{}\";\n",
            escape_strings(ios_key),
            escape_strings(&value)
        ));
    }
    Ok(out)
}

/// Java's conversions as Foundation's: text is an object (`@`), integers are 64-bit (`lld`).
fn ios_conversion(conv: &str) -> String {
    match conv {
        "s" => "@".into(),
        "d" => "lld".into(),
        other => other.into(),
    }
}

fn escape_strings(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn android_strings(lang: &str, table: &Table) -> Result<String> {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- {GENERATED}\n     Language: {lang}. The shared UI reads the tables directly; these are for the app's own code\n     (notifications, biometric prompt, the sharing screens until they move to the shared UI). -->\n<resources>\n"
    );
    let mut i = 0;
    while i < table.len() {
        let (key, text) = &table[i];
        if let Some(base) = key.strip_suffix(".one") {
            let (other_key, other) = table
                .get(i + 1)
                .ok_or_else(|| format!("{key}: plural without .other"))?;
            if *other_key != format!("{base}.other") {
                return Err(format!("{key}: the .other form must follow the .one form"));
            }
            out.push_str(&format!(
                "    <plurals name=\"{base}\">\n        <item quantity=\"one\">{}</item>\n        <item quantity=\"other\">{}</item>\n    </plurals>\n",
                escape_xml(text),
                escape_xml(other)
            ));
            i += 2;
        } else if key.ends_with(".other") {
            return Err(format!("{key}: plural without .one"));
        } else {
            out.push_str(&format!(
                "    <string name=\"{key}\">{}</string>\n",
                escape_xml(text)
            ));
            i += 1;
        }
    }
    out.push_str("</resources>\n");
    Ok(out)
}

fn escape_xml(s: &str) -> String {
    let escaped = s
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\\', "\\\\")
        .replace('\'', "\\'")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    if escaped.starts_with('@') || escaped.starts_with('?') {
        format!("\\{escaped}")
    } else {
        escaped
    }
}

pub fn strings(args: &[String]) -> Result {
    let check = args.iter().any(|a| a == "--check");
    let mut stale = Vec::new();
    for (path, content) in generate()? {
        let current = fs::read_to_string(&path).unwrap_or_default();
        if current == content {
            continue;
        }
        if check {
            stale.push(path.display().to_string());
        } else {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
            eprintln!("xtask: wrote {}", path.display());
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "generated string files are out of date (run `cargo xtask strings`): {}",
            stale.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_read_in_index_order() {
        assert_eq!(
            placeholders("%2$.1f of %1$d, 100%% %1$d").expect("valid placeholders"),
            vec![(1, "d".to_string()), (2, ".1f".to_string())]
        );
        assert!(placeholders("%s without index").is_err());
        assert!(placeholders("%1$x unknown").is_err());
    }

    #[test]
    fn the_committed_files_are_generated_from_the_tables() {
        for (path, content) in generate().expect("the tables generate") {
            assert_eq!(
                fs::read_to_string(&path).unwrap_or_default(),
                content,
                "{} is stale",
                path.display()
            );
        }
    }

    #[test]
    fn escapes_for_android_and_ios() {
        assert_eq!(
            escape_xml("it's <b> & \"x\""),
            "it\\'s &lt;b&gt; &amp; \\\"x\\\""
        );
        assert_eq!(escape_xml("@home"), "\\@home");
        assert_eq!(escape_strings("say \"hi\"\nnow"), "say \\\"hi\\\"\\nnow");
    }
}
