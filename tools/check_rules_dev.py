from pathlib import Path
import sys
from fwadvisor.advisor.loader import load_rules, run_rule_tests, RulesError
try:
    rs = load_rules([], include_user=False)
except RulesError as e:
    print(e); sys.exit(2)
fails=[f for lr in rs.rules for f in run_rule_tests(lr)]
for f in fails: print(f)
print(len(rs.rules), "rules,", len(fails), "failures")
