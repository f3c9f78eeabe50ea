"""The in-process Keptn services on the event log: shipyard controller, lighthouse, get-sli, approval…"""
