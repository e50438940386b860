package api

import (
	"context"
	"net/http"
	"time"

	"github.com/chatwork-go/chatwork/gen"
)

// TasksService covers the tasks of a chat.
type TasksService service

// ListTasksOptions filters Tasks.List. The zero value lists open tasks.
type ListTasksOptions struct {
	AssigneeID          int64      // only tasks assigned to this account (account_id)
	AssignedByAccountID int64      // only tasks assigned by this account (assigned_by_account_id)
	Status              TaskStatus // TaskStatusOpen (the API's default) or TaskStatusDone
}

// List returns the chat's tasks, at most 100 (there is no pagination). No
// tasks gives an empty slice. opt may be nil.
//
// GET /rooms/{room_id}/tasks
func (s *TasksService) List(ctx context.Context, roomID int64, opt *ListTasksOptions) ([]RoomTask, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	var params gen.ListRoomTasksParams
	if opt != nil {
		var err error
		if params.AccountID, err = optionalID("account_id", opt.AssigneeID); err != nil {
			return nil, nil, err
		}
		if params.AssignedByAccountID, err = optionalID("assigned_by_account_id", opt.AssignedByAccountID); err != nil {
			return nil, nil, err
		}
		if params.Status, err = optionalEnum("status", opt.Status); err != nil {
			return nil, nil, err
		}
	}
	return list[RoomTask](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.ListRoomTasks(ctx, roomID, &params) })
}

// CreateTaskParams describes new tasks: one is created per assignee.
type CreateTaskParams struct {
	Body        string    // 1 to 65,535 characters
	AssigneeIDs []int64   // at least one (to_ids); each gets a task of its own
	LimitTime   time.Time // the deadline (limit); zero for none
	// LimitType says how LimitTime is read: TaskLimitTypeDate (a day: the
	// day of LimitTime in DeadlineZone, Japan time, so pass 23:59:59 of that
	// day there) or TaskLimitTypeTime (a day and a time). Empty:
	// TaskLimitTypeTime with a LimitTime, TaskLimitTypeNone without.
	LimitType TaskLimitType
}

// Create creates one task per assignee and returns their IDs. Like message
// posts, task creation counts against the chat's limit of 10 per 10 seconds
// and is never sent twice.
//
// POST /rooms/{room_id}/tasks
func (s *TasksService) Create(ctx context.Context, roomID int64, p CreateTaskParams) ([]int64, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	if err := checkBody("body", p.Body); err != nil {
		return nil, nil, err
	}
	ids, err := idList("to_ids", p.AssigneeIDs, true)
	if err != nil {
		return nil, nil, err
	}
	form := gen.CreateRoomTasksFormdataRequestBody{Body: p.Body, ToIDs: ids}
	lt := p.LimitType
	if lt != "" {
		if err := checkEnum("limit_type", lt); err != nil {
			return nil, nil, err
		}
	}
	switch {
	case !p.LimitTime.IsZero():
		if p.LimitTime.Unix() <= 0 {
			return nil, nil, invalid("limit", "%v is before 1970", p.LimitTime)
		}
		if lt == TaskLimitTypeNone {
			return nil, nil, invalid("limit_type", "is none but a limit is set")
		}
		if lt == "" {
			lt = TaskLimitTypeTime
		}
		form.Limit = Ptr(p.LimitTime.Unix())
	case lt == "":
		lt = TaskLimitTypeNone
	case lt != TaskLimitTypeNone:
		return nil, nil, invalid("limit", "is needed with limit_type %q", lt)
	}
	form.LimitType = &lt
	out, r, err := one[gen.TaskIDsResult](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) {
		return raw.CreateRoomTasksWithFormdataBody(withPostRoom(ctx, roomID), roomID, form)
	})
	if err != nil {
		return nil, r, err
	}
	return out.TaskIDs, r, nil
}

// Get returns one task.
//
// GET /rooms/{room_id}/tasks/{task_id}
func (s *TasksService) Get(ctx context.Context, roomID, taskID int64) (*RoomTask, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	if err := checkID("task_id", taskID); err != nil {
		return nil, nil, err
	}
	return one[RoomTask](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.GetRoomTask(ctx, roomID, taskID) })
}

// SetStatus completes (TaskStatusDone) or reopens (TaskStatusOpen) a task.
//
// PUT /rooms/{room_id}/tasks/{task_id}/status
func (s *TasksService) SetStatus(ctx context.Context, roomID, taskID int64, status TaskStatus) (*Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, err
	}
	if err := checkID("task_id", taskID); err != nil {
		return nil, err
	}
	if err := checkEnum("body", status); err != nil {
		return nil, err
	}
	form := gen.UpdateTaskStatusFormdataRequestBody{Body: status}
	_, r, err := one[gen.TaskIDResult](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) {
		return raw.UpdateTaskStatusWithFormdataBody(ctx, roomID, taskID, form)
	})
	return r, err
}
