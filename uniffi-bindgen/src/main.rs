//! The uniffi binding generator, kept in its own crate so the core never links the CLI parser.
fn main() {
    uniffi::uniffi_bindgen_main()
}
