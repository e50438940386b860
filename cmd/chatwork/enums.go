package main

import (
	"strings"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/gen"
)

// The values of the enumerated flags, from the API's typed constants (the
// spec's enums, generated in package gen): the flag checks, the help and
// the shell completion all read these lists.
var (
	taskStatuses = []api.TaskStatus{api.TaskOpen, api.TaskDone}
	limitTypes   = []api.TaskLimitType{api.LimitNone, api.LimitDate, api.LimitTime}
	actionTypes  = []gen.DeleteRoomFormdataBodyActionType{gen.DeleteRoomFormdataBodyActionTypeLeave, gen.DeleteRoomFormdataBodyActionTypeDelete}
	// iconPresets is in the order of Chatwork's icon picker.
	iconPresets = []api.IconPreset{
		gen.IconPresetGroup, gen.IconPresetCheck, gen.IconPresetDocument, gen.IconPresetMeeting, gen.IconPresetEvent,
		gen.IconPresetProject, gen.IconPresetBusiness, gen.IconPresetStudy, gen.IconPresetSecurity, gen.IconPresetStar,
		gen.IconPresetIdea, gen.IconPresetHeart, gen.IconPresetMagcup, gen.IconPresetBeer, gen.IconPresetMusic,
		gen.IconPresetSports, gen.IconPresetTravel,
	}
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
