"""`python -m roadmap_cards`: the same as the `roadmap-cards` command."""

from .cli import main

main(prog_name="roadmap-cards")
