from cercabandi.flows.cli import main

main()
