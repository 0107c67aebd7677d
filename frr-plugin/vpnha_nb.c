// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad northbound: the frr-vpnhad callback table.
 */
#include <zebra.h>

#include "lib/northbound.h"

#include "vpnha_nb.h"

/* clang-format off */
const struct frr_yang_module_info frr_vpnhad_info = {
	.name = "frr-vpnhad",
	.nodes = {
		{
			.xpath = "/frr-vpnhad:vpnhad",
			.cbs = {
				.create = vpnha_nb_create,
				.destroy = vpnha_nb_destroy,
				.pre_validate = vpnha_nb_pre_validate,
				.apply_finish = vpnha_nb_apply_finish,
				.cli_show = vpnha_cli_show,
				.cli_show_end = vpnha_cli_show_end,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/gateway",
			.cbs = {
				.apply_finish = vpnha_nb_gateway_apply_finish,
				.cli_show = vpnha_cli_show_gateway,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/gateway/name",
			.cbs = {
				.modify = vpnha_nb_gateway_name_modify,
				.destroy = vpnha_nb_gateway_name_destroy,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/gateway/local-address",
			.cbs = {
				.modify = vpnha_nb_gateway_address_modify,
				.destroy = vpnha_nb_gateway_address_destroy,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/distance-base",
			.cbs = {
				.modify = vpnha_nb_distance_base_modify,
				.cli_show = vpnha_cli_show_distance_base,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/fast-reroute",
			.cbs = {
				.modify = vpnha_nb_fast_reroute_modify,
				.cli_show = vpnha_cli_show_fast_reroute,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/advertise-table",
			.cbs = {
				.modify = vpnha_nb_adv_table_modify,
				.destroy = vpnha_nb_adv_table_destroy,
				.cli_show = vpnha_cli_show_adv_table,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/all-down-action",
			.cbs = {
				.modify = vpnha_nb_all_down_action_modify,
				.cli_show = vpnha_cli_show_all_down_action,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/ipsec",
			.cbs = {
				.apply_finish = vpnha_nb_ipsec_global_apply_finish,
				.cli_show = vpnha_cli_show_ipsec_global,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/ipsec/backend",
			.cbs = {
				.modify = vpnha_nb_ipsec_global_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/ipsec/libreswan-directory",
			.cbs = {
				.modify = vpnha_nb_ipsec_global_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/ipsec/libreswan-ctl-socket",
			.cbs = {
				.modify = vpnha_nb_ipsec_global_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/ipsec/libreswan-libexec",
			.cbs = {
				.modify = vpnha_nb_ipsec_global_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/ipsec/sa-poll-interval",
			.cbs = {
				.modify = vpnha_nb_ipsec_global_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/ipsec/vici-socket",
			.cbs = {
				.modify = vpnha_nb_ipsec_global_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/ipsec/state/connected",
			.cbs = {
				.get_elem = vpnha_nb_ipsec_state_connected_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/ipsec/state/last-error",
			.cbs = {
				.get_elem = vpnha_nb_ipsec_state_last_error_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/peer",
			.cbs = {
				.create = vpnha_nb_peer_create,
				.destroy = vpnha_nb_peer_destroy,
				.apply_finish = vpnha_nb_peer_apply_finish,
				.cli_show = vpnha_cli_show_peer,
				.cli_show_end = vpnha_cli_show_sub_end,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/peer/address",
			.cbs = {
				.destroy = vpnha_nb_peer_address_destroy,
				.modify = vpnha_nb_peer_address_modify,
				.cli_show = vpnha_cli_show_peer_address,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel",
			.cbs = {
				.create = vpnha_nb_tunnel_create,
				.destroy = vpnha_nb_tunnel_destroy,
				.apply_finish = vpnha_nb_tunnel_apply_finish,
				.cli_show = vpnha_cli_show_tunnel,
				.cli_show_end = vpnha_cli_show_sub_end,
				.get_next = vpnha_nb_tunnel_get_next,
				.get_keys = vpnha_nb_tunnel_get_keys,
				.lookup_entry = vpnha_nb_tunnel_lookup_entry,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/interface",
			.cbs = {
				.destroy = vpnha_nb_tunnel_interface_destroy,
				.modify = vpnha_nb_tunnel_interface_modify,
				.cli_show = vpnha_cli_show_tunnel_interface,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/vrf",
			.cbs = {
				.modify = vpnha_nb_tunnel_vrf_modify,
				.cli_show = vpnha_cli_show_tunnel_vrf,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/peer",
			.cbs = {
				.destroy = vpnha_nb_tunnel_peer_destroy,
				.modify = vpnha_nb_tunnel_peer_modify,
				.cli_show = vpnha_cli_show_tunnel_peer,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/shutdown",
			.cbs = {
				.modify = vpnha_nb_tunnel_shutdown_modify,
				.cli_show = vpnha_cli_show_tunnel_shutdown,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check",
			.cbs = {
				.create = vpnha_nb_hc_create,
				.destroy = vpnha_nb_hc_destroy,
				.cli_show = vpnha_cli_show_hc,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/source",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.destroy = vpnha_nb_hc_leaf_destroy,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/destination",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.destroy = vpnha_nb_hc_leaf_destroy,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/type",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.cli_show = vpnha_cli_show_hc_leaf,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/detection",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.cli_show = vpnha_cli_show_hc_leaf,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/interval",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.cli_show = vpnha_cli_show_hc_leaf,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/timeout",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.cli_show = vpnha_cli_show_hc_leaf,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/miss-count",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.cli_show = vpnha_cli_show_hc_leaf,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/recovery-count",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.cli_show = vpnha_cli_show_hc_leaf,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/hold-down",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.cli_show = vpnha_cli_show_hc_leaf,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/preempt",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.cli_show = vpnha_cli_show_hc_leaf,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/loss-threshold",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.destroy = vpnha_nb_hc_leaf_destroy,
				.cli_show = vpnha_cli_show_hc_leaf,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/latency-threshold",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.destroy = vpnha_nb_hc_leaf_destroy,
				.cli_show = vpnha_cli_show_hc_leaf,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/health-check/window",
			.cbs = {
				.modify = vpnha_nb_hc_leaf_modify,
				.cli_show = vpnha_cli_show_hc_leaf,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec",
			.cbs = {
				.create = vpnha_nb_tunnel_ipsec_create,
				.destroy = vpnha_nb_tunnel_ipsec_destroy,
				.cli_show = vpnha_cli_show_tunnel_ipsec,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/local-address",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
				.destroy = vpnha_nb_tunnel_ipsec_leaf_destroy,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/local-id",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
				.destroy = vpnha_nb_tunnel_ipsec_leaf_destroy,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/remote-id",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
				.destroy = vpnha_nb_tunnel_ipsec_leaf_destroy,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/pre-shared-key",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
				.destroy = vpnha_nb_tunnel_ipsec_leaf_destroy,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/if-id",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
				.destroy = vpnha_nb_tunnel_ipsec_leaf_destroy,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/vici-socket",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
				.destroy = vpnha_nb_tunnel_ipsec_leaf_destroy,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/interface-type",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/ike-encryption",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/ike-integrity",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/ike-dh-group",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/ike-lifetime",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/esp-encryption",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/esp-integrity",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/esp-pfs-group",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/sa-lifetime",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/dpd-interval",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/ipsec/passive",
			.cbs = {
				.modify = vpnha_nb_tunnel_ipsec_leaf_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/state",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_state_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/reason",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_reason_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/interface-up",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_interface_up_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/transitions",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_transitions_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/routes-installed",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_routes_installed_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/counters/probes-sent",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_counters_probes_sent_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/counters/probes-received",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_counters_probes_received_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/counters/probes-lost",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_counters_probes_lost_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/counters/probes-late",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_counters_probes_late_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/counters/probes-invalid",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_counters_probes_invalid_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/rejected-replies/wrong-ident",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_rejected_wrong_ident_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/rejected-replies/wrong-nonce",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_rejected_wrong_nonce_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/rejected-replies/wrong-source",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_rejected_wrong_source_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/rejected-replies/wrong-interface",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_rejected_wrong_interface_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/rejected-replies/malformed",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_rejected_malformed_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/rejected-replies/unknown-seq",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_rejected_unknown_seq_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/rejected-replies/wrong-send-time",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_rejected_wrong_send_time_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/rejected-replies/duplicate",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_rejected_duplicate_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/rejected-replies/late",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_rejected_late_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/window/loss-percent",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_window_loss_percent_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/window/rtt-min-us",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_window_rtt_min_us_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/window/rtt-avg-us",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_window_rtt_avg_us_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/window/rtt-max-us",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_window_rtt_max_us_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/window/jitter-us",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_window_jitter_us_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/detection/srtt-us",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_detection_srtt_us_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/detection/rtt-samples",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_detection_rtt_samples_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/detection/deadline-us",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_detection_deadline_us_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/detection/bound-us",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_detection_bound_us_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/detection/hold-down-effective-ms",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_detection_hold_down_effective_ms_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/last-failover/detection-ms",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_last_failover_detection_ms_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/last-failover/switch-ms",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_last_failover_switch_ms_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/last-failover/total-ms",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_last_failover_total_ms_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/ipsec/sa-state",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_ipsec_sa_state_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/ipsec/detail",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_ipsec_detail_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/ipsec/established-seconds",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_ipsec_established_seconds_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/ipsec/bytes-in",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_ipsec_bytes_in_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/ipsec/bytes-out",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_ipsec_bytes_out_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/ipsec/rekeys",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_ipsec_rekeys_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/ipsec/initiations",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_ipsec_initiations_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/tunnel/state/ipsec/sa-downs",
			.cbs = {
				.get_elem = vpnha_nb_tunnel_state_ipsec_sa_downs_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/route",
			.cbs = {
				.create = vpnha_nb_route_create,
				.destroy = vpnha_nb_route_destroy,
				.cli_show = vpnha_cli_show_route,
				.get_next = vpnha_nb_route_get_next,
				.get_keys = vpnha_nb_route_get_keys,
				.lookup_entry = vpnha_nb_route_lookup_entry,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/route/weight",
			.cbs = {
				.modify = vpnha_nb_route_weight_modify,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/route/state/vrf",
			.cbs = {
				.get_elem = vpnha_nb_route_state_vrf_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/route/state/distance",
			.cbs = {
				.get_elem = vpnha_nb_route_state_distance_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/route/state/installed",
			.cbs = {
				.get_elem = vpnha_nb_route_state_installed_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/route/state/selected",
			.cbs = {
				.get_elem = vpnha_nb_route_state_selected_get_elem,
			},
		},
		{
			.xpath = "/frr-vpnhad:vpnhad/route/state/reason",
			.cbs = {
				.get_elem = vpnha_nb_route_state_reason_get_elem,
			},
		},
		{
			.xpath = NULL,
		},
	}
};
/* clang-format on */
