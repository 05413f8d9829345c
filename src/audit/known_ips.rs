//! IP texts the direct writers checked lately: the same few source and caller IPs recur line
//! after line, and `IpAddr`'s parser costs more than a comparison.

use std::cell::RefCell;

/// Texts remembered per thread.
const REMEMBERED: usize = 8;

thread_local! {
    static KNOWN: RefCell<(usize, Vec<String>)> = const { RefCell::new((0, Vec::new())) };
}

/// Whether `text` is an IP address as `IpAddr` reads one.
pub(super) fn is_ip(text: &str) -> bool {
    KNOWN.with(|known| {
        let (next, texts) = &mut *known.borrow_mut();
        if texts.iter().any(|known| known == text) {
            return true;
        }
        if text.parse::<std::net::IpAddr>().is_err() {
            return false;
        }
        if texts.len() < REMEMBERED {
            texts.push(text.to_owned());
        } else {
            texts[*next].clear();
            texts[*next].push_str(text);
            *next = (*next + 1) % REMEMBERED;
        }
        true
    })
}

#[cfg(test)]
mod tests {
    use super::is_ip;

    #[test]
    fn remembered_ips_answer_as_the_parser_does() {
        let texts = [
            "10.0.0.1",
            "::1",
            "not-an-ip",
            "10.0.0.1",
            "fe80::1",
            "1.2.3",
            "::1",
            "256.0.0.1",
            "a",
            "b",
            "c",
            "d",
            "e",
            "f",
            "1.1.1.1",
            "2.2.2.2",
            "3.3.3.3",
            "4.4.4.4",
            "5.5.5.5",
            "6.6.6.6",
            "7.7.7.7",
            "8.8.8.8",
            "9.9.9.9",
            "10.0.0.1",
            "::1",
            "1.2.3",
        ];
        for _ in 0..3 {
            for text in texts {
                let parsed = text.parse::<std::net::IpAddr>().is_ok();
                assert_eq!(is_ip(text), parsed, "{text}");
            }
        }
    }
}
