from followup_rules.cli.main import main

main()
