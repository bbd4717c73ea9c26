#!/bin/sh
# TEST DOUBLE of kubectl (port-forward only): runs kubectl_port_forward_double.py beside it with the Python of the
# test run ($KUBECTL_DOUBLE_PYTHON). See that file.
exec "${KUBECTL_DOUBLE_PYTHON:-python3}" "$(dirname "$0")/kubectl_port_forward_double.py" "$@"
