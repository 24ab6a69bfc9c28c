"""One module per screen; each calls the headless core and keeps no logic of its own."""
