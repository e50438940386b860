package main

import (
	"strings"

	"github.com/chatwork-go/chatwork/api"
)

// The values of the enumerated flags, from package api's typed constants
// (the spec's enums): the flag checks, the help and the shell completion
// all read these lists.
var (
	taskStatuses = []api.TaskStatus{api.TaskStatusOpen, api.TaskStatusDone}
	limitTypes   = []api.TaskLimitType{api.TaskLimitTypeNone, api.TaskLimitTypeDate, api.TaskLimitTypeTime}
	// actionTypes are the values of rooms delete --action-type: Rooms.Leave
	// and Rooms.Delete.
	actionTypes = []string{actionLeave, actionDelete}
	// iconPresets is in the order of Chatwork's icon picker.
	iconPresets = []api.IconPreset{
		api.IconPresetGroup, api.IconPresetCheck, api.IconPresetDocument, api.IconPresetMeeting, api.IconPresetEvent,
		api.IconPresetProject, api.IconPresetBusiness, api.IconPresetStudy, api.IconPresetSecurity, api.IconPresetStar,
		api.IconPresetIdea, api.IconPresetHeart, api.IconPresetMagcup, api.IconPresetBeer, api.IconPresetMusic,
		api.IconPresetSports, api.IconPresetTravel,
	}
)

const (
	actionLeave  = "leave"
	actionDelete = "delete"
)

// oneOf checks an enumerated flag value; empty is allowed.
func oneOf[T ~string](flagName string, v T, allowed ...T) error {
	if v == "" {
		return nil
	}
	for _, x := range allowed {
		if v == x {
			return nil
		}
	}
	return usagef("--%s must be one of %s, not %q", flagName, joinValues(allowed, ", "), v)
}

// values returns the enum values as strings.
func values[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// joinValues joins the enum values with sep.
func joinValues[T ~string](vs []T, sep string) string { return strings.Join(values(vs), sep) }
