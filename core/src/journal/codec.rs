//! The sealed bodies' byte layout (record format version 1). A compact binary layout rather
//! than JSON: decoding is a few length checks and one UTF-8 validation, which keeps reading
//! a page of entries close to the cost of plain SQLite. The text comes last so the decrypted
//! buffer can become the `String` without another copy.
//!
//! entry:    mood u8 (0 = none) | created i64 BE | edited flag u8 [| edited i64 BE]
//!           | tag count u8 | (tag len u8 | tag bytes)* | text bytes (rest)
//! check-in: mood u8 | created i64 BE | note flag u8 | note bytes (rest)

use zeroize::{Zeroize, Zeroizing};

/// Decoded entry fields (the id and the on-disk sort key come from the row).
pub(super) struct EntryFields {
    pub mood: Option<u8>,
    pub created_at_ms: i64,
    pub edited_at_ms: Option<i64>,
    pub tags: Vec<String>,
    pub text: String,
}

/// Decoded check-in fields.
pub(super) struct CheckInFields {
    pub mood: u8,
    pub created_at_ms: i64,
    pub note: Option<String>,
}

/// Upper bound of an encoded entry's length (what [`encode_entry`] appends).
pub(super) fn entry_len_bound(tags: &[String], text: &str) -> usize {
    19 + tags.iter().map(|t| 1 + t.len()).sum::<usize>() + text.len()
}

/// Appends the entry's encoding to `out` (the vault seals it in place there).
pub(super) fn encode_entry(
    out: &mut Vec<u8>,
    mood: Option<u8>,
    created_at_ms: i64,
    edited_at_ms: Option<i64>,
    tags: &[String],
    text: &str,
) {
    out.push(mood.unwrap_or(0));
    out.extend_from_slice(&created_at_ms.to_be_bytes());
    match edited_at_ms {
        Some(t) => {
            out.push(1);
            out.extend_from_slice(&t.to_be_bytes());
        }
        None => out.push(0),
    }
    // Tag count and lengths fit in a byte: at most MAX_TAGS tags of MAX_TAG_CHARS characters.
    out.push(tags.len() as u8);
    for t in tags {
        out.push(t.len() as u8);
        out.extend_from_slice(t.as_bytes());
    }
    out.extend_from_slice(text.as_bytes());
}

/// Upper bound of an encoded check-in's length.
pub(super) fn checkin_len_bound(note: Option<&str>) -> usize {
    10 + note.map_or(0, str::len)
}

/// Appends the check-in's encoding to `out`.
pub(super) fn encode_checkin(out: &mut Vec<u8>, mood: u8, created_at_ms: i64, note: Option<&str>) {
    out.push(mood);
    out.extend_from_slice(&created_at_ms.to_be_bytes());
    match note {
        Some(n) => {
            out.push(1);
            out.extend_from_slice(n.as_bytes());
        }
        None => out.push(0),
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.buf.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn i64(&mut self) -> Option<i64> {
        let b: [u8; 8] = self.take(8)?.try_into().ok()?;
        Some(i64::from_be_bytes(b))
    }
    fn flag_i64(&mut self) -> Option<Option<i64>> {
        match self.u8()? {
            0 => Some(None),
            1 => self.i64().map(Some),
            _ => None,
        }
    }
}

/// Turns the rest of `buf` after `start` into a `String`, reusing the buffer; wipes it if the
/// bytes are not UTF-8.
fn tail_string(buf: Zeroizing<Vec<u8>>, start: usize) -> Option<String> {
    let mut buf = buf;
    let mut v = std::mem::take(&mut *buf);
    v.drain(..start);
    match String::from_utf8(v) {
        Ok(s) => Some(s),
        Err(e) => {
            e.into_bytes().zeroize();
            None
        }
    }
}

/// `None` if the bytes are not a well-formed entry body.
pub(super) fn decode_entry(buf: Zeroizing<Vec<u8>>) -> Option<EntryFields> {
    let mut r = Reader { buf: &buf, pos: 0 };
    let mood = match r.u8()? {
        0 => None,
        m => Some(m),
    };
    let created_at_ms = r.i64()?;
    let edited_at_ms = r.flag_i64()?;
    let n = r.u8()?;
    let mut tags = Vec::with_capacity(n.into());
    for _ in 0..n {
        let len = r.u8()?.into();
        tags.push(String::from_utf8(r.take(len)?.to_vec()).ok()?);
    }
    let start = r.pos;
    let text = tail_string(buf, start)?;
    Some(EntryFields {
        mood,
        created_at_ms,
        edited_at_ms,
        tags,
        text,
    })
}

/// `None` if the bytes are not a well-formed check-in body.
pub(super) fn decode_checkin(buf: Zeroizing<Vec<u8>>) -> Option<CheckInFields> {
    let mut r = Reader { buf: &buf, pos: 0 };
    let mood = r.u8()?;
    let created_at_ms = r.i64()?;
    let has_note = r.u8()?;
    let start = r.pos;
    let note = match has_note {
        0 if start == buf.len() => None,
        1 => Some(tail_string(buf, start)?),
        _ => return None,
    };
    Some(CheckInFields {
        mood,
        created_at_ms,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        mood: Option<u8>,
        created: i64,
        edited: Option<i64>,
        tags: &[String],
        text: &str,
    ) -> Zeroizing<Vec<u8>> {
        let mut out = Vec::new();
        encode_entry(&mut out, mood, created, edited, tags, text);
        assert!(out.len() <= entry_len_bound(tags, text));
        Zeroizing::new(out)
    }

    fn checkin(mood: u8, created: i64, note: Option<&str>) -> Zeroizing<Vec<u8>> {
        let mut out = Vec::new();
        encode_checkin(&mut out, mood, created, note);
        assert!(out.len() <= checkin_len_bound(note));
        Zeroizing::new(out)
    }

    #[test]
    fn entry_and_checkin_round_trip_and_reject_garbage() {
        let tags = vec!["sleep".to_string(), "é".to_string()];
        let b = entry(Some(3), -5, Some(7), &tags, "text ✓");
        let e = decode_entry(b.clone()).expect("decodes");
        assert_eq!(
            (e.mood, e.created_at_ms, e.edited_at_ms),
            (Some(3), -5, Some(7))
        );
        assert_eq!((e.tags, e.text.as_str()), (tags, "text ✓"));
        let e = decode_entry(entry(None, 1, None, &[], "")).expect("decodes");
        assert_eq!((e.mood, e.edited_at_ms, e.text.as_str()), (None, None, ""));
        assert!(decode_entry(Zeroizing::new(b[..5].to_vec())).is_none());
        let mut bad = b.to_vec();
        let last = bad.len() - 1;
        bad[last] = 0xff;
        assert!(decode_entry(Zeroizing::new(bad)).is_none());

        let c = decode_checkin(checkin(2, 9, Some("note"))).expect("decodes");
        assert_eq!(
            (c.mood, c.created_at_ms, c.note.as_deref()),
            (2, 9, Some("note"))
        );
        let c = decode_checkin(checkin(5, 9, None)).expect("decodes");
        assert_eq!(c.note, None);
        let mut extra = checkin(5, 9, None).to_vec();
        extra.push(1);
        assert!(decode_checkin(Zeroizing::new(extra)).is_none());
    }
}
