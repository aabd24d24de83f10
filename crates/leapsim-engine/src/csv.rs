//! A minimal reader for the project's own CSV files (RFC 4180 quoting, header row).

/// Split one CSV record into fields, honouring double quotes.
pub fn split_record(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Rows of a CSV text as maps from column name to value; `(line number, row)`.
pub fn records(text: &str) -> Vec<(usize, std::collections::HashMap<String, String>)> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let header = match lines.next() {
        Some((_, h)) => split_record(h),
        None => return Vec::new(),
    };
    lines.map(|(i, l)| (i + 1, header.iter().cloned().zip(split_record(l)).collect())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn quoted_fields() {
        assert_eq!(split_record(r#"a,"b, c","d ""e""",,f"#), vec!["a", "b, c", "d \"e\"", "", "f"]);
        let r = records("x,y\n1,\"2,3\"\n\n4,5\n");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].1["y"], "2,3");
        assert_eq!(r[1].0, 4);
    }
}
