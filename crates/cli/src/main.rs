//! The `sansrtc` binary. Each subcommand is a thin layer over a library module of
//! `sansrtc-cli`; see the crate documentation.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use sansrtc_cli::stun_demo::{self, Event, Exchange};

/// WebRTC as sans-IO Rust crates: the reference driver.
#[derive(Debug, Parser)]
#[command(name = "sansrtc", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the demo: for now, a STUN Binding exchange between a client and a server started in
    /// this process, over loopback UDP; prints the mapped address and the round-trip time.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Number of Binding transactions to run.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    count: u32,
    /// Use [::1] instead of 127.0.0.1.
    #[arg(long)]
    ipv6: bool,
    /// Have the server ignore this many requests first, to show the RFC 8489 retransmissions
    /// (500 ms, then 1 s, 2 s, ...).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=6))]
    drop: u32,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sansrtc: {e}");
            ExitCode::FAILURE
        }
    }
}

fn demo(args: &DemoArgs) -> Result<(), stun_demo::Error> {
    let options = stun_demo::Options {
        count: args.count,
        ipv6: args.ipv6,
        drop_first: args.drop,
    };
    println!("sansrtc demo: STUN Binding over loopback UDP (RFC 8489)");
    let mut client = None;
    let mut n = 0;
    let exchanges = stun_demo::run(options, |event| match event {
        Event::Started { server, client: c } => {
            client = Some(*c);
            println!("  server   {server}  (a thread of this process)");
            println!("  client   {c}  (sansrtc-stun ClientTransaction)");
            println!(
                "  request  Binding with USERNAME, PRIORITY, ICE-CONTROLLING, MESSAGE-INTEGRITY, \
                 FINGERPRINT; the response must carry valid MESSAGE-INTEGRITY and FINGERPRINT"
            );
        }
        Event::Exchange(x) => {
            n += 1;
            print_exchange(n, x);
        }
        _ => {}
    })?;
    if let (Some(client), Some(last)) = (client, exchanges.last()) {
        let verdict = if last.mapped == client {
            "the client's own address: no NAT on loopback"
        } else {
            "not the client's address: something translated it"
        };
        println!("mapped address:  {} ({verdict})", last.mapped);
    }
    let samples: Vec<Duration> = exchanges.iter().filter_map(|x| x.rtt).collect();
    if let (Some(min), Some(max)) = (samples.iter().min(), samples.iter().max()) {
        let mean = samples.iter().sum::<Duration>() / u32::try_from(samples.len()).unwrap_or(1);
        println!(
            "round-trip time: {} min, {} mean, {} max over {} exchange(s)",
            micros(*min),
            micros(mean),
            micros(*max),
            samples.len()
        );
    }
    Ok(())
}

fn print_exchange(n: u32, x: &Exchange) {
    let timing = match x.rtt {
        Some(rtt) => format!("rtt {}", micros(rtt)),
        None => format!(
            "{} requests, answered after {} (no RTT sample after a retransmission)",
            x.transmissions,
            micros(x.elapsed)
        ),
    };
    println!(
        "  #{n:<7} {} B request, {} B response (verified), mapped {}, {timing}",
        x.sizes.0, x.sizes.1, x.mapped
    );
}

fn micros(d: Duration) -> String {
    if d >= Duration::from_millis(10) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} µs", d.as_micros())
    }
}
