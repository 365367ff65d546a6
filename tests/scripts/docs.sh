#!/bin/sh
# docs/nodes.md is generated from the node descriptors (make docs): it must match what the
# descriptors say now, so the node reference never goes stale.
O="${O:-build}"
if "$O/sigjit" nodes --markdown | diff -u docs/nodes.md - > /tmp/sj-docs-diff.$$ 2>&1; then
  rm -f /tmp/sj-docs-diff.$$
  echo "1 passed, 0 failed"
else
  head -40 /tmp/sj-docs-diff.$$; rm -f /tmp/sj-docs-diff.$$
  echo "docs/nodes.md is stale: run make docs"
  echo "0 passed, 1 failed"
  exit 1
fi
