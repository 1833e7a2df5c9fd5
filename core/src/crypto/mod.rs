//! Cryptography. `hazmat` is the only module that imports `ring`; everything else calls the
//! misuse-resistant helpers here.
pub mod hazmat;
pub mod hpke;
