from followup_rules.cli import main

main()
