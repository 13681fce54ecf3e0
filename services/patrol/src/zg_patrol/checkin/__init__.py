"""Check-in at patrol points by their signed QR codes, and the printable code sheets."""
