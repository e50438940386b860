package apitest

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/chatwork-go/chatwork/gen"
)

// ListMyTasks implements GET /my/tasks.
func (h *handlers) ListMyTasks(w http.ResponseWriter, r *http.Request, params gen.ListMyTasksParams) {
	h.do(w, r, func(c *call) (any, error) {
		f := taskFilter{assignee: &c.acct, assignedBy: params.AssignedByAccountID, status: openUnless(params.Status)}
		out := []gen.MyTask{}
		for _, t := range c.st.findTasks(f, maxList) {
			rm := c.st.rooms[t.roomID]
			rt := c.st.apiTask(t)
			out = append(out, gen.MyTask{
				TaskID:            rt.TaskID,
				Room:              gen.RoomSummary{RoomID: rm.id, Name: c.st.roomName(rm, c.acct), IconPath: iconPath(rm.icon)},
				AssignedByAccount: rt.AssignedByAccount,
				MessageID:         rt.MessageID,
				Body:              rt.Body,
				LimitTime:         rt.LimitTime,
				LimitType:         rt.LimitType,
				Status:            rt.Status,
			})
		}
		return list(out), nil
	})
}

// ListRoomTasks implements GET /rooms/{room_id}/tasks.
func (h *handlers) ListRoomTasks(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, params gen.ListRoomTasksParams) {
	h.do(w, r, func(c *call) (any, error) {
		if _, err := c.room(roomID); err != nil {
			return nil, err
		}
		f := taskFilter{room: &roomID, assignee: params.AccountID, assignedBy: params.AssignedByAccountID, status: openUnless(params.Status)}
		out := []gen.RoomTask{}
		for _, t := range c.st.findTasks(f, maxList) {
			out = append(out, c.st.apiTask(t))
		}
		return list(out), nil
	})
}

// CreateRoomTasks implements POST /rooms/{room_id}/tasks: one task per
// assignee, each of whom must be a member of the room (400 otherwise).
// Without limit_type the type is "time" with a limit and "none" without.
func (h *handlers) CreateRoomTasks(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) {
		rm, body, err := c.post(roomID)
		if err != nil {
			return nil, err
		}
		if _, err := c.required("to_ids"); err != nil {
			return nil, err
		}
		to, err := c.ids("to_ids")
		if err != nil {
			return nil, err
		}
		to = slices.Compact(slices.Sorted(slices.Values(to)))
		for _, id := range to {
			if _, member := rm.roles[id]; !member {
				return nil, badRequest("Invalid value for 'to_ids': account %d is not a member of this room", id)
			}
		}
		var limit int64
		if v := c.form.Get("limit"); v != "" {
			if limit, err = strconv.ParseInt(v, 10, 64); err != nil || limit < 0 {
				return nil, invalid("limit")
			}
		}
		lt := gen.TaskLimitType(c.form.Get("limit_type"))
		switch lt {
		case "", gen.TaskLimitTypeNone, gen.TaskLimitTypeDate, gen.TaskLimitTypeTime:
		default:
			return nil, invalid("limit_type")
		}
		ids, events := c.st.createTasks(rm, c.acct, to, body, limit, lt, c.now)
		c.events = events
		return gen.TaskIDsResult{TaskIDs: ids}, nil
	})
}

// GetRoomTask implements GET /rooms/{room_id}/tasks/{task_id}.
func (h *handlers) GetRoomTask(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, taskID gen.TaskID) {
	h.do(w, r, func(c *call) (any, error) {
		t, err := c.task(roomID, taskID)
		if err != nil {
			return nil, err
		}
		return c.st.apiTask(t), nil
	})
}

// UpdateTaskStatus implements PUT /rooms/{room_id}/tasks/{task_id}/status.
// Only the assignee or the account that assigned the task may change it
// (403 otherwise).
func (h *handlers) UpdateTaskStatus(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, taskID gen.TaskID) {
	h.do(w, r, func(c *call) (any, error) {
		t, err := c.task(roomID, taskID)
		if err != nil {
			return nil, err
		}
		status, err := c.required("body")
		if err != nil {
			return nil, err
		}
		if status != string(gen.TaskStatusOpen) && status != string(gen.TaskStatusDone) {
			return nil, invalid("body")
		}
		if t.assignee != c.acct && t.assignedBy != c.acct {
			return nil, errTaskForbids
		}
		c.st.setTaskStatus(t, gen.TaskStatus(status))
		return gen.TaskIDResult{TaskID: t.id}, nil
	})
}

// task returns a task of a room the account is in, or 404.
func (c *call) task(roomID, taskID int64) (*task, error) {
	if _, err := c.room(roomID); err != nil {
		return nil, err
	}
	t := c.st.tasks[taskID]
	if t == nil || t.roomID != roomID {
		return nil, errNotFound
	}
	return t, nil
}
