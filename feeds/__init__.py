"""Turn the IOM news digest into Atom, RSS and JSON feeds, per theme, served or exported."""
