// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad northbound: frr-vpnhad YANG callbacks.
 */
#ifndef _FRR_VPNHA_NB_H
#define _FRR_VPNHA_NB_H

#include "lib/northbound.h"

extern const struct frr_yang_module_info frr_vpnhad_info;

/* Configuration callbacks (vpnha_nb_config.c). */
int vpnha_nb_create(struct nb_cb_create_args *args);
int vpnha_nb_destroy(struct nb_cb_destroy_args *args);
void vpnha_nb_apply_finish(struct nb_cb_apply_finish_args *args);
void vpnha_nb_gateway_apply_finish(struct nb_cb_apply_finish_args *args);
void vpnha_nb_peer_apply_finish(struct nb_cb_apply_finish_args *args);
void vpnha_nb_tunnel_apply_finish(struct nb_cb_apply_finish_args *args);
void vpnha_nb_ipsec_global_apply_finish(struct nb_cb_apply_finish_args *args);
int vpnha_nb_gateway_name_modify(struct nb_cb_modify_args *args);
int vpnha_nb_gateway_name_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_gateway_address_modify(struct nb_cb_modify_args *args);
int vpnha_nb_gateway_address_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_distance_base_modify(struct nb_cb_modify_args *args);
int vpnha_nb_fast_reroute_modify(struct nb_cb_modify_args *args);
int vpnha_nb_adv_table_modify(struct nb_cb_modify_args *args);
int vpnha_nb_adv_table_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_all_down_action_modify(struct nb_cb_modify_args *args);
int vpnha_nb_peer_create(struct nb_cb_create_args *args);
int vpnha_nb_peer_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_peer_address_modify(struct nb_cb_modify_args *args);
int vpnha_nb_peer_address_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_tunnel_create(struct nb_cb_create_args *args);
int vpnha_nb_tunnel_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_tunnel_interface_modify(struct nb_cb_modify_args *args);
int vpnha_nb_tunnel_interface_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_tunnel_peer_modify(struct nb_cb_modify_args *args);
int vpnha_nb_tunnel_peer_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_tunnel_shutdown_modify(struct nb_cb_modify_args *args);
int vpnha_nb_tunnel_vrf_modify(struct nb_cb_modify_args *args);
int vpnha_nb_hc_create(struct nb_cb_create_args *args);
int vpnha_nb_hc_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_hc_leaf_modify(struct nb_cb_modify_args *args);
int vpnha_nb_hc_leaf_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_pre_validate(struct nb_cb_pre_validate_args *args);
int vpnha_nb_ipsec_global_modify(struct nb_cb_modify_args *args);
int vpnha_nb_tunnel_ipsec_create(struct nb_cb_create_args *args);
int vpnha_nb_tunnel_ipsec_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_tunnel_ipsec_leaf_modify(struct nb_cb_modify_args *args);
int vpnha_nb_tunnel_ipsec_leaf_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_route_create(struct nb_cb_create_args *args);
int vpnha_nb_route_destroy(struct nb_cb_destroy_args *args);
int vpnha_nb_route_weight_modify(struct nb_cb_modify_args *args);

/* Operational state (vpnha_nb_state.c). */
const void *vpnha_nb_tunnel_get_next(struct nb_cb_get_next_args *args);
int vpnha_nb_tunnel_get_keys(struct nb_cb_get_keys_args *args);
const void *vpnha_nb_tunnel_lookup_entry(struct nb_cb_lookup_entry_args *args);
const void *vpnha_nb_route_get_next(struct nb_cb_get_next_args *args);
int vpnha_nb_route_get_keys(struct nb_cb_get_keys_args *args);
const void *vpnha_nb_route_lookup_entry(struct nb_cb_lookup_entry_args *args);
struct yang_data *vpnha_nb_tunnel_state_rejected_wrong_ident_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_rejected_wrong_nonce_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_rejected_wrong_source_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_rejected_wrong_interface_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_rejected_malformed_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_rejected_unknown_seq_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_rejected_wrong_send_time_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_rejected_duplicate_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_tunnel_state_rejected_late_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_tunnel_state_state_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_tunnel_state_reason_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_tunnel_state_interface_up_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_tunnel_state_transitions_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_routes_installed_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_counters_probes_sent_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_counters_probes_received_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_counters_probes_lost_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_counters_probes_late_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_counters_probes_invalid_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_window_loss_percent_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_window_rtt_min_us_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_window_rtt_avg_us_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_window_rtt_max_us_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_window_jitter_us_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_detection_srtt_us_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_detection_rtt_samples_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_detection_deadline_us_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_detection_bound_us_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_tunnel_state_detection_hold_down_effective_ms_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_last_failover_detection_ms_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_last_failover_switch_ms_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_last_failover_total_ms_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_tunnel_state_ipsec_sa_state_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_tunnel_state_ipsec_detail_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_ipsec_established_seconds_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_tunnel_state_ipsec_bytes_in_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_ipsec_bytes_out_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_tunnel_state_ipsec_rekeys_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *vpnha_nb_tunnel_state_ipsec_initiations_get_elem(
	struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_tunnel_state_ipsec_sa_downs_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_route_state_distance_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_route_state_installed_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_route_state_selected_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_route_state_reason_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_route_state_vrf_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_ipsec_state_connected_get_elem(struct nb_cb_get_elem_args *args);
struct yang_data *
vpnha_nb_ipsec_state_last_error_get_elem(struct nb_cb_get_elem_args *args);

/* CLI show callbacks (vpnha_cli.c). */
void vpnha_cli_show(struct vty *vty, const struct lyd_node *dnode,
		    bool show_defaults);
void vpnha_cli_show_end(struct vty *vty, const struct lyd_node *dnode);
void vpnha_cli_show_gateway(struct vty *vty, const struct lyd_node *dnode,
			    bool show_defaults);
void vpnha_cli_show_fast_reroute(struct vty *vty, const struct lyd_node *dnode,
				 bool show_defaults);
void vpnha_cli_show_adv_table(struct vty *vty, const struct lyd_node *dnode,
			      bool show_defaults);
void vpnha_cli_show_distance_base(struct vty *vty, const struct lyd_node *dnode,
				  bool show_defaults);
void vpnha_cli_show_all_down_action(struct vty *vty,
				    const struct lyd_node *dnode,
				    bool show_defaults);
void vpnha_cli_show_peer(struct vty *vty, const struct lyd_node *dnode,
			 bool show_defaults);
void vpnha_cli_show_peer_address(struct vty *vty, const struct lyd_node *dnode,
				 bool show_defaults);
void vpnha_cli_show_sub_end(struct vty *vty, const struct lyd_node *dnode);
void vpnha_cli_show_tunnel(struct vty *vty, const struct lyd_node *dnode,
			   bool show_defaults);
void vpnha_cli_show_tunnel_interface(struct vty *vty,
				     const struct lyd_node *dnode,
				     bool show_defaults);
void vpnha_cli_show_tunnel_peer(struct vty *vty, const struct lyd_node *dnode,
				bool show_defaults);
void vpnha_cli_show_tunnel_vrf(struct vty *vty, const struct lyd_node *dnode,
			       bool show_defaults);
void vpnha_cli_show_tunnel_shutdown(struct vty *vty,
				    const struct lyd_node *dnode,
				    bool show_defaults);
void vpnha_cli_show_hc(struct vty *vty, const struct lyd_node *dnode,
		       bool show_defaults);
void vpnha_cli_show_hc_leaf(struct vty *vty, const struct lyd_node *dnode,
			    bool show_defaults);
void vpnha_cli_show_route(struct vty *vty, const struct lyd_node *dnode,
			  bool show_defaults);

void vpnha_cli_show_ipsec_global(struct vty *vty, const struct lyd_node *dnode,
				 bool show_defaults);
void vpnha_cli_show_tunnel_ipsec(struct vty *vty, const struct lyd_node *dnode,
				 bool show_defaults);
/* Read ipsec containers into their configurations. */
struct vpnha_ipsec_global;
struct vpnha_ipsec_conf;
void vpnha_nb_ipsec_global_read(const struct lyd_node *dnode,
				struct vpnha_ipsec_global *g);
void vpnha_nb_tunnel_ipsec_read(const struct lyd_node *dnode,
				struct vpnha_ipsec_conf *c);
/* Read a health-check container into a configuration. */
struct vpnha_hc_config;
void vpnha_nb_hc_read(const struct lyd_node *hc_dnode,
		      struct vpnha_hc_config *cfg);

#endif /* _FRR_VPNHA_NB_H */
