//! Course content: bundled signed packs, progress, search.
