//! NAT boxes with the RFC 4787 mapping and filtering behaviours.
//!
//! A NAT has one public IP ("IP address pooling" is therefore trivially *Paired*, RFC 4787 §4.1
//! REQ-2). Outbound datagrams get their source rewritten to `public_ip:port` by a mapping chosen
//! by the mapping behaviour (§4.1); inbound datagrams to the public IP are translated back if a
//! mapping for the port exists and the filtering behaviour (§5) lets the source in. Mappings time
//! out after `mapping_timeout` without outbound traffic (§4.3, REQ-6: outbound refresh is always
//! on; inbound refresh is an option). Hairpinning (§6) is an option.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

/// The three behaviours of RFC 4787, used for mapping (§4.1) and filtering (§5) independently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NatBehavior {
    /// Mapping: X:x keeps one external X':x' whatever the destination.
    /// Filtering: anyone may send to X':x' once it exists.
    EndpointIndependent,
    /// Mapping: one X':x' per destination IP (Y), whatever its port.
    /// Filtering: only IPs X:x has sent to may send to X':x', from any port.
    AddressDependent,
    /// Mapping: one X':x' per destination Y:y.
    /// Filtering: only the exact Y:y that X:x has sent to may send to X':x'.
    AddressAndPortDependent,
}

/// How a NAT box behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatConfig {
    /// Address and port mapping behaviour (RFC 4787 §4.1).
    pub mapping: NatBehavior,
    /// Filtering behaviour (RFC 4787 §5).
    pub filtering: NatBehavior,
    /// How long a mapping lives without refresh (RFC 4787 §4.3). Outbound datagrams always
    /// refresh it (REQ-6).
    pub mapping_timeout: Duration,
    /// Whether inbound datagrams that pass the filter refresh the mapping too (REQ-6a: MAY).
    pub inbound_refresh: bool,
    /// Whether datagrams from the inside to the NAT's own public address are looped back inside
    /// (RFC 4787 §6). Off by default, as in many consumer NATs.
    pub hairpinning: bool,
    /// Try to keep the internal port as the external port (RFC 4787 §4.2.1 "port preservation");
    /// when that port is taken, or when off, ports are assigned sequentially from `port_range`.
    pub port_preservation: bool,
    /// External ports the NAT assigns from.
    pub port_range: RangeInclusive<u16>,
}

impl Default for NatConfig {
    /// The most common home NAT: endpoint-independent mapping, address-and-port-dependent
    /// filtering ("port-restricted cone"), the 5 minute timeout RFC 4787 REQ-5c recommends, no
    /// hairpinning, ports from the dynamic range.
    fn default() -> Self {
        Self {
            mapping: NatBehavior::EndpointIndependent,
            filtering: NatBehavior::AddressAndPortDependent,
            mapping_timeout: Duration::from_secs(300),
            inbound_refresh: false,
            hairpinning: false,
            port_preservation: false,
            port_range: 49152..=65535,
        }
    }
}

impl NatConfig {
    /// A NAT with the given mapping and filtering behaviours and the other defaults.
    pub fn new(mapping: NatBehavior, filtering: NatBehavior) -> Self {
        Self {
            mapping,
            filtering,
            ..Self::default()
        }
    }

    /// "Full cone": endpoint-independent mapping and filtering.
    pub fn full_cone() -> Self {
        Self::new(
            NatBehavior::EndpointIndependent,
            NatBehavior::EndpointIndependent,
        )
    }

    /// "Restricted cone": endpoint-independent mapping, address-dependent filtering.
    pub fn restricted_cone() -> Self {
        Self::new(
            NatBehavior::EndpointIndependent,
            NatBehavior::AddressDependent,
        )
    }

    /// "Port-restricted cone": endpoint-independent mapping, address-and-port-dependent filtering.
    pub fn port_restricted_cone() -> Self {
        Self::new(
            NatBehavior::EndpointIndependent,
            NatBehavior::AddressAndPortDependent,
        )
    }

    /// "Symmetric": address-and-port-dependent mapping and filtering. Defeats plain STUN; needs
    /// TURN unless the other side is open.
    pub fn symmetric() -> Self {
        Self::new(
            NatBehavior::AddressAndPortDependent,
            NatBehavior::AddressAndPortDependent,
        )
    }
}

/// Counters of one NAT box.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NatStats {
    /// Mappings created.
    pub mappings_created: u64,
    /// Mappings that timed out.
    pub mappings_expired: u64,
    /// Outbound datagrams translated.
    pub outbound: u64,
    /// Inbound datagrams translated.
    pub inbound: u64,
    /// Inbound datagrams dropped because no mapping exists for the destination port.
    pub no_mapping: u64,
    /// Inbound datagrams dropped by the filtering behaviour.
    pub filtered: u64,
    /// Outbound datagrams dropped because every port in the range is mapped.
    pub ports_exhausted: u64,
    /// Datagrams looped back inside by hairpinning.
    pub hairpinned: u64,
}

/// Why a NAT dropped a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatDrop {
    /// Inbound: no mapping exists for the destination port (never created, or expired).
    NoMapping,
    /// Inbound: the filtering behaviour does not let this source in.
    Filtered,
    /// Outbound: every port in the range is mapped.
    PortsExhausted,
}

/// One active mapping, as seen by a test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingInfo {
    /// Internal address X:x.
    pub internal: SocketAddr,
    /// External address X':x'.
    pub external: SocketAddr,
    /// External endpoints X:x has sent to through this mapping (the filter's allow list).
    pub contacted: Vec<SocketAddr>,
    /// When the mapping expires unless refreshed.
    pub expires: Instant,
}

/// The part of the destination that selects a mapping, per the mapping behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum DestinationKey {
    Any,
    Address(IpAddr),
    AddressAndPort(SocketAddr),
}

impl DestinationKey {
    fn new(behavior: NatBehavior, destination: SocketAddr) -> Self {
        match behavior {
            NatBehavior::EndpointIndependent => Self::Any,
            NatBehavior::AddressDependent => Self::Address(destination.ip()),
            NatBehavior::AddressAndPortDependent => Self::AddressAndPort(destination),
        }
    }
}

#[derive(Clone, Debug)]
struct Mapping {
    internal: SocketAddr,
    key: DestinationKey,
    /// Every external endpoint the internal one sent to through this mapping.
    contacted: BTreeSet<SocketAddr>,
    last_refresh: Instant,
}

/// A NAT box: public IP, behaviour and mapping table.
#[derive(Clone, Debug)]
pub struct Nat {
    public_ip: IpAddr,
    config: NatConfig,
    /// Mappings by external port.
    by_port: BTreeMap<u16, Mapping>,
    /// External port by (internal address, destination key).
    by_internal: BTreeMap<(SocketAddr, DestinationKey), u16>,
    /// Where sequential port assignment continues.
    next_port: u16,
    stats: NatStats,
}

impl Nat {
    pub(crate) fn new(public_ip: IpAddr, config: NatConfig) -> Self {
        let next_port = *config.port_range.start();
        Self {
            public_ip,
            config,
            by_port: BTreeMap::new(),
            by_internal: BTreeMap::new(),
            next_port,
            stats: NatStats::default(),
        }
    }

    /// The NAT's public (external) IP.
    pub fn public_ip(&self) -> IpAddr {
        self.public_ip
    }

    /// The NAT's behaviour.
    pub fn config(&self) -> &NatConfig {
        &self.config
    }

    /// The NAT's counters.
    pub fn stats(&self) -> NatStats {
        self.stats
    }

    /// The mappings active at `now`, ordered by external port.
    pub fn mappings(&self, now: Instant) -> Vec<MappingInfo> {
        self.by_port
            .iter()
            .filter(|(_, m)| !self.is_expired(m, now))
            .map(|(&port, m)| MappingInfo {
                internal: m.internal,
                external: SocketAddr::new(self.public_ip, port),
                contacted: m.contacted.iter().copied().collect(),
                expires: m.last_refresh + self.config.mapping_timeout,
            })
            .collect()
    }

    fn is_expired(&self, mapping: &Mapping, now: Instant) -> bool {
        now >= mapping.last_refresh + self.config.mapping_timeout
    }

    /// Drops the mappings whose timer ran out (RFC 4787 §4.3).
    fn expire(&mut self, now: Instant) {
        let timeout = self.config.mapping_timeout;
        let expired: Vec<u16> = self
            .by_port
            .iter()
            .filter(|(_, m)| now >= m.last_refresh + timeout)
            .map(|(&port, _)| port)
            .collect();
        for port in expired {
            if let Some(m) = self.by_port.remove(&port) {
                self.by_internal.remove(&(m.internal, m.key));
                self.stats.mappings_expired += 1;
            }
        }
    }

    /// Picks a free external port: the internal one if preserving ports, else the next free one
    /// in the range.
    fn allocate_port(&mut self, internal_port: u16) -> Option<u16> {
        if self.config.port_preservation && !self.by_port.contains_key(&internal_port) {
            return Some(internal_port);
        }
        let (start, end) = (
            *self.config.port_range.start(),
            *self.config.port_range.end(),
        );
        let size = u32::from(end.checked_sub(start)?) + 1;
        for _ in 0..size {
            let port = self.next_port;
            self.next_port = if port >= end || port < start {
                start
            } else {
                port + 1
            };
            if (start..=end).contains(&port) && !self.by_port.contains_key(&port) {
                return Some(port);
            }
        }
        None
    }

    /// Translates an outbound datagram's source from `internal` to the mapped external address,
    /// creating or refreshing the mapping.
    pub(crate) fn outbound(
        &mut self,
        now: Instant,
        internal: SocketAddr,
        destination: SocketAddr,
    ) -> Result<SocketAddr, NatDrop> {
        self.expire(now);
        let key = DestinationKey::new(self.config.mapping, destination);
        let port = match self.by_internal.get(&(internal, key)) {
            Some(&port) => port,
            None => {
                let Some(port) = self.allocate_port(internal.port()) else {
                    self.stats.ports_exhausted += 1;
                    return Err(NatDrop::PortsExhausted);
                };
                self.by_internal.insert((internal, key), port);
                self.by_port.insert(
                    port,
                    Mapping {
                        internal,
                        key,
                        contacted: BTreeSet::new(),
                        last_refresh: now,
                    },
                );
                self.stats.mappings_created += 1;
                port
            }
        };
        if let Some(mapping) = self.by_port.get_mut(&port) {
            mapping.last_refresh = now;
            mapping.contacted.insert(destination);
        }
        self.stats.outbound += 1;
        Ok(SocketAddr::new(self.public_ip, port))
    }

    /// Translates an inbound datagram from `source` to the external `destination`, returning the
    /// internal address, if a mapping exists and the filter lets `source` in.
    pub(crate) fn inbound(
        &mut self,
        now: Instant,
        source: SocketAddr,
        destination: SocketAddr,
    ) -> Result<SocketAddr, NatDrop> {
        self.expire(now);
        let Some(mapping) = self.by_port.get_mut(&destination.port()) else {
            self.stats.no_mapping += 1;
            return Err(NatDrop::NoMapping);
        };
        let allowed = match self.config.filtering {
            NatBehavior::EndpointIndependent => true,
            NatBehavior::AddressDependent => {
                mapping.contacted.iter().any(|c| c.ip() == source.ip())
            }
            NatBehavior::AddressAndPortDependent => mapping.contacted.contains(&source),
        };
        if !allowed {
            self.stats.filtered += 1;
            return Err(NatDrop::Filtered);
        }
        if self.config.inbound_refresh {
            mapping.last_refresh = now;
        }
        self.stats.inbound += 1;
        Ok(mapping.internal)
    }

    pub(crate) fn count_hairpin(&mut self) {
        self.stats.hairpinned += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn sequential_ports_wrap_and_skip_used_ones() {
        let mut nat = Nat::new(
            "203.0.113.1".parse().unwrap(),
            NatConfig {
                port_range: 1000..=1001,
                ..NatConfig::symmetric()
            },
        );
        let now = Instant::now();
        let x = addr("10.0.0.1:5000");
        assert_eq!(
            nat.outbound(now, x, addr("1.1.1.1:1")).unwrap().port(),
            1000
        );
        assert_eq!(
            nat.outbound(now, x, addr("1.1.1.1:2")).unwrap().port(),
            1001
        );
        assert_eq!(
            nat.outbound(now, x, addr("1.1.1.1:3")),
            Err(NatDrop::PortsExhausted)
        );
        assert_eq!(nat.stats().ports_exhausted, 1);
    }

    #[test]
    fn port_preservation_keeps_the_internal_port_when_free() {
        let mut nat = Nat::new(
            "203.0.113.1".parse().unwrap(),
            NatConfig {
                port_preservation: true,
                ..NatConfig::default()
            },
        );
        let now = Instant::now();
        let a = nat
            .outbound(now, addr("10.0.0.1:5000"), addr("1.1.1.1:1"))
            .unwrap();
        let b = nat
            .outbound(now, addr("10.0.0.2:5000"), addr("1.1.1.1:1"))
            .unwrap();
        assert_eq!(a.port(), 5000);
        assert_ne!(b.port(), 5000, "REQ-3: no port overloading");
    }
}
