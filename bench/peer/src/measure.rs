//! Process-level measurements: CPU time and peak RSS (getrusage), UDP receive errors
//! (/proc/net/snmp).

use std::time::Duration;

fn rusage() -> libc::rusage {
    // SAFETY: getrusage only writes the struct it is given; a zeroed rusage is a valid value.
    unsafe {
        let mut r: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut r);
        r
    }
}

fn tv(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// user + sys CPU time of this process so far.
pub fn cpu() -> Duration {
    let r = rusage();
    tv(r.ru_utime) + tv(r.ru_stime)
}

/// Peak resident set size of this process, KiB.
pub fn peak_rss_kib() -> u64 {
    rusage().ru_maxrss as u64
}

/// (RcvbufErrors, InErrors) of the Udp line of /proc/net/snmp (whole network namespace).
pub fn udp_errors() -> (u64, u64) {
    let Ok(snmp) = std::fs::read_to_string("/proc/net/snmp") else {
        return (0, 0);
    };
    let mut udp = snmp.lines().filter(|l| l.starts_with("Udp:"));
    let (Some(names), Some(values)) = (udp.next(), udp.next()) else {
        return (0, 0);
    };
    let field = |name: &str| {
        names
            .split_whitespace()
            .position(|n| n == name)
            .and_then(|i| values.split_whitespace().nth(i))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("RcvbufErrors"), field("InErrors"))
}
