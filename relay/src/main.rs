//! `lantern-relay`: store-and-forward mailbox server that only ever holds ciphertext.
fn main() {
    println!("lantern-relay {}", env!("CARGO_PKG_VERSION"));
}
