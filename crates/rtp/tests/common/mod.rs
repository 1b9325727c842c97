//! Loads the Chromium captures in tests/data (see tests/data/capture/README.md).
#![allow(dead_code)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sansrtc_rtp::{ExtensionMap, RtpPacket};

/// One captured datagram.
#[derive(Debug, Clone)]
pub struct Captured {
    pub rtcp: bool,
    /// Sent by the media sender (the offerer) rather than the receiver.
    pub from_sender: bool,
    /// Time since the first captured datagram of the session.
    pub at: Duration,
    pub bytes: Vec<u8>,
}

/// A capture file: SDP facts and datagrams.
#[derive(Debug, Clone)]
pub struct Capture {
    pub facts: HashMap<String, Vec<String>>,
    pub datagrams: Vec<Captured>,
}

impl Capture {
    pub fn load(name: &str) -> Self {
        let path = format!(
            "{}/tests/data/chromium_{name}.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut facts: HashMap<String, Vec<String>> = HashMap::new();
        let mut datagrams = vec![];
        for line in text.lines() {
            if let Some(fact) = line.strip_prefix("@ ") {
                let (k, v) = fact.split_once(' ').unwrap();
                facts.entry(k.to_string()).or_default().push(v.to_string());
            } else if !line.starts_with('#') && !line.is_empty() {
                let f: Vec<&str> = line.split(' ').collect();
                datagrams.push(Captured {
                    rtcp: f[0] == "rtcp",
                    from_sender: f[1] == "s",
                    at: Duration::from_micros(f[2].parse().unwrap()),
                    bytes: hex::decode(f[3]).unwrap(),
                });
            }
        }
        Self { facts, datagrams }
    }

    pub fn fact(&self, key: &str) -> &str {
        &self.facts[key][0]
    }

    pub fn fact_u32(&self, key: &str) -> u32 {
        self.fact(key).parse().unwrap()
    }

    /// The payload type of `kind` ("video"/"audio") with encoding `name`.
    pub fn payload_type(&self, kind: &str, name: &str) -> u8 {
        self.facts["pt"]
            .iter()
            .find_map(|v| {
                let f: Vec<&str> = v.split(' ').collect();
                (f[1] == kind && f[2].eq_ignore_ascii_case(name)).then(|| f[0].parse().unwrap())
            })
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    }

    /// The encoding name of the media (not RTX) codec of `kind`.
    pub fn codec(&self, kind: &str) -> String {
        self.facts["pt"]
            .iter()
            .find_map(|v| {
                let f: Vec<&str> = v.split(' ').collect();
                (f[1] == kind && f[2] != "rtx").then(|| f[2].to_string())
            })
            .unwrap()
    }

    /// The negotiated header extension map of `kind` (from a=extmap).
    pub fn extension_map(&self, kind: &str) -> ExtensionMap {
        let mut map = ExtensionMap::new();
        for v in &self.facts[&format!("extmap-{kind}")] {
            let (id, uri) = v.split_once(' ').unwrap();
            map.insert_uri(id.parse().unwrap(), uri).unwrap();
        }
        map
    }

    /// RTP packets with payload type `pt`, in capture order, with their arrival times.
    pub fn rtp(&self, pt: u8) -> Vec<(Duration, Vec<u8>)> {
        self.datagrams
            .iter()
            .filter(|d| !d.rtcp)
            .filter(|d| RtpPacket::new_checked(&d.bytes[..]).unwrap().payload_type() == pt)
            .map(|d| (d.at, d.bytes.clone()))
            .collect()
    }

    /// RTCP datagrams sent by the sender (`true`) or the receiver.
    pub fn rtcp(&self, from_sender: bool) -> Vec<Vec<u8>> {
        self.datagrams
            .iter()
            .filter(|d| d.rtcp && d.from_sender == from_sender)
            .map(|d| d.bytes.clone())
            .collect()
    }
}

/// The sessions captured, by name.
pub const SESSIONS: [&str; 9] = [
    "vp8_opus",
    "vp9_pcmu",
    "vp9_l1t3_pcma",
    "vp9_l2t2_opus",
    "h264_pm1_opus",
    "h264_pm0_pcmu",
    "av1_opus_remb",
    "vp8_loss",
    "h264_loss",
];

/// A fixed base instant for replaying capture times.
pub fn base() -> Instant {
    Instant::now()
}
